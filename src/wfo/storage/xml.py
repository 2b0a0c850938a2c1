"""Parse untrusted XML through defusedxml only, and read/write Hadoop `<configuration>` files.

DTDs, entity declarations and external references are refused outright (billion laughs, XXE),
not merely left unexpanded. `parse_hadoop_conf` accepts exactly the Hadoop layout and
`render_hadoop_conf` writes it back so that parse(render(p)) == p. `hadoop_conf_as_utf8` turns a valid
file in another encoding (ISO-8859-1, UTF-16 ...) into the same document in UTF-8, the one encoding
stored and published.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree

from wfo.storage.errors import InvalidHadoopConfError, UnsafeXmlError
from wfo.storage.limits import MiB, format_size

MAX_XML_BYTES = 4 * MiB

# XML 1.0 cannot carry these characters at all, not even as character references.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PROPERTY_FIELDS = ("name", "value", "description", "final")
# Written by Hadoop's own Configuration.writeXml / the /conf endpoints; carries no setting.
_IGNORED_FIELDS = ("source", "tag")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")
_DECLARATION_ENCODING = re.compile(r"""(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> ElementTree.Element:
    """Parse `data` and return the root element; raise `UnsafeXmlError` for anything dangerous."""
    if len(data) > max_bytes:
        raise UnsafeXmlError(f"the XML document is larger than the limit of {format_size(max_bytes)}")
    try:
        return defusedxml.ElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise UnsafeXmlError(
            "the XML document contains a DTD (<!DOCTYPE ...>); DTDs are refused because they can "
            "define entities that expand without bound or read local files"
        ) from None
    except defusedxml.EntitiesForbidden as exc:
        raise UnsafeXmlError(
            f"the XML document declares the entity {exc.name!r}; entity declarations are refused "
            "(they enable 'billion laughs' expansion and external file reads)"
        ) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise UnsafeXmlError(
            f"the XML document refers to the external resource {exc.sysid!r}; external references are refused"
        ) from None
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeXmlError(f"the XML document is refused: {exc}") from None
    except ElementTree.ParseError as exc:
        raise UnsafeXmlError(f"the document is not well-formed XML: {exc}") from None


@dataclass(frozen=True)
class Property:
    """One `<property>` of a Hadoop configuration file (core-site.xml, yarn-site.xml ...)."""

    name: str
    value: str
    description: str | None = None
    final: bool = False


def _refuse_stray_text(text: str | None, where: str) -> None:
    if text is not None and text.strip():
        raise InvalidHadoopConfError(f"unexpected text {text.strip()[:40]!r} {where}")


def _parse_property(element: ElementTree.Element, position: int) -> Property:
    where = f"in <property> number {position}"
    fields: dict[str, str] = {}
    _refuse_stray_text(element.text, where)
    for child in element:
        _refuse_stray_text(child.tail, where)
        if child.tag in _IGNORED_FIELDS:
            continue
        if child.tag not in _PROPERTY_FIELDS:
            raise InvalidHadoopConfError(
                f"<property> number {position} has an unexpected element <{child.tag}>; "
                f"allowed: {', '.join(f'<{name}>' for name in _PROPERTY_FIELDS)}"
            )
        if len(child):
            raise InvalidHadoopConfError(f"<{child.tag}> {where} must contain text, not elements")
        if child.tag in fields:
            raise InvalidHadoopConfError(f"<{child.tag}> appears twice {where}")
        fields[child.tag] = child.text or ""
    name = fields.get("name", "").strip()
    if not name:
        raise InvalidHadoopConfError(f"<property> number {position} has no <name> (or an empty one)")
    if "value" not in fields:
        raise InvalidHadoopConfError(f"property {name!r} has no <value>")
    final_text = fields.get("final", "false").strip().lower()
    if final_text not in ("true", "false"):
        raise InvalidHadoopConfError(f"property {name!r}: <final> must be true or false, not {final_text!r}")
    return Property(name, fields["value"], fields.get("description"), final_text == "true")


def parse_hadoop_conf(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> list[Property]:
    """Parse a Hadoop configuration file into its properties, in file order.

    Refused with `InvalidHadoopConfError`: a root other than `<configuration>`, children other than
    `<property>`, a property without `<name>` or `<value>`, a name defined twice. Unsafe XML raises
    `UnsafeXmlError`. `<source>`/`<tag>` (written by Hadoop itself) are ignored.
    """
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag != "configuration":
        raise InvalidHadoopConfError(
            f"this is not a Hadoop configuration file: the root element is <{root.tag}>, "
            "expected <configuration>"
        )
    _refuse_stray_text(root.text, "in <configuration>")
    properties: list[Property] = []
    seen: set[str] = set()
    for position, child in enumerate(root, start=1):
        _refuse_stray_text(child.tail, "in <configuration>")
        if child.tag != "property":
            raise InvalidHadoopConfError(
                f"<configuration> may only contain <property> elements, found <{child.tag}>"
            )
        prop = _parse_property(child, position)
        if prop.name in seen:
            raise InvalidHadoopConfError(f"property {prop.name!r} is defined twice")
        seen.add(prop.name)
        properties.append(prop)
    return properties


def _escape(text: str, what: str) -> str:
    if _NOT_IN_XML.search(text):
        raise InvalidHadoopConfError(f"{what} contains a control character that XML cannot represent")
    # \r would be turned into \n by every XML parser; a character reference keeps it.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def render_hadoop_conf(properties: Iterable[Property]) -> bytes:
    """Write `properties` as a Hadoop configuration file (UTF-8, with an XML declaration)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>"]
    seen: set[str] = set()
    for prop in properties:
        name = prop.name.strip()
        if not name or name != prop.name:
            raise InvalidHadoopConfError(f"property name {prop.name!r} is empty or has surrounding spaces")
        if name in seen:
            raise InvalidHadoopConfError(f"property {name!r} is given twice")
        seen.add(name)
        lines.append("  <property>")
        lines.append(f"    <name>{_escape(name, f'the name of property {name!r}')}</name>")
        lines.append(f"    <value>{_escape(prop.value, f'the value of property {name!r}')}</value>")
        if prop.description is not None:
            description = _escape(prop.description, f"the description of property {name!r}")
            lines.append(f"    <description>{description}</description>")
        if prop.final:
            lines.append("    <final>true</final>")
        lines.append("  </property>")
    lines.append("</configuration>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _encoding_of(data: bytes) -> str:
    """The encoding an XML parser reads `data` in: its byte-order mark, else its declaration, else UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if data.startswith(b"<\x00?\x00"):
        return "utf-16-le"
    if data.startswith(b"\x00<\x00?"):
        return "utf-16-be"
    declared = _DECLARED_ENCODING.match(data)
    return declared.group(1).decode("ascii") if declared else "utf-8"


def hadoop_conf_as_utf8(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> bytes:
    """`data` (a valid Hadoop configuration file) as UTF-8 with a declaration that says so.

    UTF-8 documents come back unchanged. Others are decoded as the parser read them and re-encoded;
    the result is checked to hold the same properties. Raises like `parse_hadoop_conf`.
    """
    properties = parse_hadoop_conf(data, max_bytes=max_bytes)
    encoding = _encoding_of(data)
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return data
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except (LookupError, UnicodeDecodeError) as exc:
        raise InvalidHadoopConfError(f"the file cannot be read in its encoding {encoding!r}: {exc}") from None
    converted = _DECLARATION_ENCODING.sub(r'\1"UTF-8"', text, count=1).encode("utf-8")
    if len(converted) > max_bytes:
        raise UnsafeXmlError(f"in UTF-8 the XML document is over the limit of {format_size(max_bytes)}")
    if parse_hadoop_conf(converted, max_bytes=max_bytes) != properties:
        raise InvalidHadoopConfError(f"the file cannot be converted from {encoding!r} to UTF-8 faithfully")
    return converted
