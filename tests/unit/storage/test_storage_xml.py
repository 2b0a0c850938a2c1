"""XML uploads: dangerous XML and non-Hadoop files are refused with the reason; Hadoop XML round-trips."""

from __future__ import annotations

import pytest

from wfo.storage.errors import InvalidHadoopConfError, StorageError, UnsafeXmlError
from wfo.storage.xml import Property, parse_hadoop_conf, parse_xml, render_hadoop_conf

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<configuration><property><name>x</name><value>&lol4;</value></property></configuration>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE configuration [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<configuration><property><name>x</name><value>&secret;</value></property></configuration>
"""

CORE_SITE = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- Licensed to the Apache Software Foundation -->
<configuration>
  <property>
    <name>fs.defaultFS</name>
    <value>hdfs://namenode:8020</value>
    <source>core-site.xml</source>
  </property>
  <property>
    <name> hadoop.security.authentication </name>
    <value>kerberos</value>
    <final>true</final>
    <description>Kerberos, not simple.</description>
  </property>
  <property><name>empty.value</name><value/></property>
</configuration>
"""


def hadoop(body: str) -> bytes:
    return f"<configuration>{body}</configuration>".encode()


def test_billion_laughs_is_refused_with_the_reason() -> None:
    with pytest.raises(UnsafeXmlError, match="contains a DTD.*expand without bound"):
        parse_hadoop_conf(BILLION_LAUGHS)


def test_external_entity_is_refused_and_nothing_is_read() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        parse_hadoop_conf(EXTERNAL_ENTITY)
    assert "DTD" in str(info.value)
    assert "root:" not in str(info.value)


def test_external_dtd_reference_is_refused() -> None:
    document = b'<?xml version="1.0"?><!DOCTYPE c SYSTEM "http://evil.example/x.dtd"><configuration/>'
    with pytest.raises(UnsafeXmlError, match="DTD"):
        parse_xml(document)


def test_malformed_xml_is_refused_with_the_position() -> None:
    with pytest.raises(UnsafeXmlError, match="not well-formed XML: .*line 1"):
        parse_xml(b"<configuration><property></configuration>")


def test_oversized_xml_is_refused_before_parsing() -> None:
    with pytest.raises(UnsafeXmlError, match="larger than the limit of 1.0 KiB"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1024)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<html><body/></html>", "the root element is <html>, expected <configuration>"),
        (hadoop("<include href='x.xml'/>"), "may only contain <property> elements, found <include>"),
        (hadoop("<property><value>v</value></property>"), "has no <name>"),
        (hadoop("<property><name> </name><value>v</value></property>"), "has no <name>"),
        (hadoop("<property><name>a</name></property>"), "property 'a' has no <value>"),
        (
            hadoop("<property><name>a</name><value>1</value><colour/></property>"),
            "unexpected element <colour>",
        ),
        (hadoop("<property><name>a</name><value><b>x</b></value></property>"), "must contain text"),
        (
            hadoop("<property><name>a</name><value>1</value><value>2</value></property>"),
            "<value> appears twice",
        ),
        (
            hadoop("<property><name>a</name><value>1</value></property>" * 2),
            "property 'a' is defined twice",
        ),
        (hadoop("<property><name>a</name><value>1</value><final>yes</final></property>"), "true or false"),
        (hadoop("stray<property><name>a</name><value>1</value></property>"), "unexpected text 'stray'"),
    ],
)
def test_files_that_are_not_hadoop_configuration_are_refused(document: bytes, reason: str) -> None:
    with pytest.raises(InvalidHadoopConfError) as info:
        parse_hadoop_conf(document)
    assert reason in str(info.value)


def test_real_core_site_parses_in_file_order() -> None:
    assert parse_hadoop_conf(CORE_SITE) == [
        Property("fs.defaultFS", "hdfs://namenode:8020"),
        Property("hadoop.security.authentication", "kerberos", "Kerberos, not simple.", final=True),
        Property("empty.value", ""),
    ]


def test_render_then_parse_round_trips_special_characters() -> None:
    properties = [
        Property("spark.driver.extraJavaOptions", "-Dx=\"a b\" -Dy='c' <&> ]]> &amp;"),
        Property("multi.line", "  line one\r\nline two\n\ttabbed  ", description="déjà vu — ünïcødé ✓"),
        Property("empty", "", final=True),
        Property("xml.looking", "<configuration><property/></configuration>"),
    ]
    rendered = render_hadoop_conf(properties)
    assert rendered.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<configuration>')
    assert parse_hadoop_conf(rendered) == properties


def test_rendered_file_has_the_hadoop_layout() -> None:
    rendered = render_hadoop_conf([Property("a&b", "x<y", description="why"), Property("c", "1", final=True)])
    assert rendered.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<configuration>\n"
        "  <property>\n"
        "    <name>a&amp;b</name>\n"
        "    <value>x&lt;y</value>\n"
        "    <description>why</description>\n"
        "  </property>\n"
        "  <property>\n"
        "    <name>c</name>\n"
        "    <value>1</value>\n"
        "    <final>true</final>\n"
        "  </property>\n"
        "</configuration>\n"
    )


def test_render_refuses_what_xml_cannot_carry() -> None:
    with pytest.raises(InvalidHadoopConfError, match="property 'a'.*control character"):
        render_hadoop_conf([Property("a", "bell\x07")])
    with pytest.raises(InvalidHadoopConfError, match="given twice"):
        render_hadoop_conf([Property("a", "1"), Property("a", "2")])
    with pytest.raises(InvalidHadoopConfError, match="surrounding spaces"):
        render_hadoop_conf([Property(" a", "1")])


def test_xml_errors_are_storage_errors() -> None:
    assert issubclass(UnsafeXmlError, StorageError)
    assert issubclass(InvalidHadoopConfError, StorageError) and InvalidHadoopConfError.status == 422
