"""Read the principals stored in an MIT Kerberos keytab file (format versions 0x0501 and 0x0502).

Layout (MIT krb5 "keytab file format"): the two bytes `05 01` or `05 02`, then records, each an int32
size followed by that many bytes; a negative size marks a hole of that many bytes (a deleted entry),
a zero size or the end of the data ends the file. A record holds: uint16 component count (version 1
counts the realm too), the realm and each component as uint16-length strings, uint32 name type
(version 2 only), uint32 timestamp, uint8 key version, uint16 enctype, uint16-length key, and an
optional uint32 key version. Version 2 is big-endian; version 1 uses the writer's byte order, which
we take to be little-endian (the x86 machines that wrote them) unless big-endian is the only reading
that fits.
"""

from __future__ import annotations

import struct

from wfo.clusters.errors import InvalidGroupInput

_MAGIC = 0x05
_VERSIONS = (0x01, 0x02)


class KeytabError(InvalidGroupInput):
    """The data is not a readable keytab (wrong magic, unknown version, truncated record)."""


class _Record:
    """A cursor over one record's bytes; every read checks the record is long enough."""

    def __init__(self, data: bytes, order: str, where: str) -> None:
        self.data = data
        self.order = order
        self.pos = 0
        self.where = where

    def take(self, count: int, what: str) -> bytes:
        if self.pos + count > len(self.data):
            raise KeytabError(f"{self.where} is truncated: it ends inside the {what}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def uint(self, fmt: str, what: str) -> int:
        size = struct.calcsize(fmt)
        value: int = struct.unpack(self.order + fmt, self.take(size, what))[0]
        return value

    def text(self, what: str) -> str:
        length = self.uint("H", f"length of the {what}")
        return self.take(length, what).decode("utf-8", errors="replace")


def _quote(text: str, specials: str) -> str:
    """Escape a name part the way `klist` prints it (MIT krb5_unparse_name)."""
    escapes = {"\n": "\\n", "\t": "\\t", "\b": "\\b", "\x00": "\\0", "\\": "\\\\"}
    escapes.update({char: "\\" + char for char in specials})
    return "".join(escapes.get(char, char) for char in text)


def _principal(record: _Record, version: int) -> str:
    count = record.uint("H", "component count")
    if version == 1:
        count -= 1  # version 1 counts the realm as a component
    if count <= 0:
        raise KeytabError(f"{record.where} names a principal without components")
    realm = record.text("realm")
    components = [record.text("principal name") for _ in range(count)]
    if version == 2:
        record.uint("I", "name type")
    record.uint("I", "timestamp")
    record.uint("B", "key version")
    record.uint("H", "encryption type")
    record.take(record.uint("H", "key length"), "key")
    name = "/".join(_quote(component, "/@") for component in components)
    return f"{name}@{_quote(realm, '@')}"


def _read(data: bytes, version: int, order: str) -> list[str]:
    principals: list[str] = []
    pos = 2
    number = 0
    while pos + 4 <= len(data):
        (size,) = struct.unpack(order + "i", data[pos : pos + 4])
        pos += 4
        if size == 0:
            break
        if size < 0:
            pos += -size
            if pos > len(data):
                raise KeytabError("the keytab is truncated: a deleted entry runs past the end of the file")
            continue
        number += 1
        where = f"entry {number} of the keytab"
        if pos + size > len(data):
            raise KeytabError(
                f"the keytab is truncated: {where} says {size} bytes, only {len(data) - pos} are left"
            )
        principal = _principal(_Record(data[pos : pos + size], order, where), version)
        if principal not in principals:
            principals.append(principal)
        pos += size
    if 0 < len(data) - pos < 4 and any(data[pos:]):
        raise KeytabError("the keytab is truncated: it ends inside an entry's size")
    return principals


def read_principals(data: bytes) -> list[str]:
    """The principals (`comp1/comp2@REALM`) of a keytab, unique, in file order; `KeytabError` if unreadable."""
    if len(data) < 2:
        raise KeytabError("the file is empty or too short to be a keytab")
    if data[0] != _MAGIC or data[1] not in _VERSIONS:
        raise KeytabError(
            f"the file is not a Kerberos keytab: it starts with {data[:2].hex()}, a keytab starts with 0501 or 0502"
        )
    if data[1] == 2:
        return _read(data, 2, ">")
    try:
        return _read(data, 1, "<")
    except KeytabError:
        return _read(data, 1, ">")
