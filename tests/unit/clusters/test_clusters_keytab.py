"""The keytab parser on hand-built files of both format versions, and on files that are not keytabs.

Real keytabs from a real KDC database are checked in tests/integration/clusters/test_clusters_kdc_keytab.py.
"""

from __future__ import annotations

import struct

import pytest

from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.keytab import KeytabError, read_principals


def _string(text: str, order: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(order + "H", len(raw)) + raw


def entry(
    principal: str, *, version: int = 2, order: str = ">", key: bytes = b"k" * 16, vno32: bool = True
) -> bytes:
    name, realm = principal.rsplit("@", 1)
    components = name.split("/")
    count = len(components) + (1 if version == 1 else 0)
    body = struct.pack(order + "H", count) + _string(realm, order)
    body += b"".join(_string(component, order) for component in components)
    if version == 2:
        body += struct.pack(order + "I", 1)  # KRB5_NT_PRINCIPAL
    body += struct.pack(order + "IBH", 1_700_000_000, 3, 18) + struct.pack(order + "H", len(key)) + key
    if vno32:
        body += struct.pack(order + "I", 3)
    return struct.pack(order + "i", len(body)) + body


def keytab(*records: bytes, version: int = 2) -> bytes:
    return bytes([5, version]) + b"".join(records)


def test_version_2_principals_in_order_and_unique() -> None:
    data = keytab(
        entry("alice@EXAMPLE.COM"),
        entry("alice@EXAMPLE.COM", key=b"x" * 32),
        entry("HTTP/web.example.com@EXAMPLE.COM", vno32=False),
        entry("spark/yarn/node@OTHER.ORG"),
    )
    assert read_principals(data) == [
        "alice@EXAMPLE.COM",
        "HTTP/web.example.com@EXAMPLE.COM",
        "spark/yarn/node@OTHER.ORG",
    ]


@pytest.mark.parametrize("order", ["<", ">"])
def test_version_1_counts_the_realm_and_uses_native_byte_order(order: str) -> None:
    data = keytab(
        entry("bob@EXAMPLE.COM", version=1, order=order),
        entry("svc/h@EXAMPLE.COM", version=1, order=order),
        version=1,
    )
    assert read_principals(data) == ["bob@EXAMPLE.COM", "svc/h@EXAMPLE.COM"]


def test_holes_are_skipped_and_a_zero_size_ends_the_file() -> None:
    hole = struct.pack(">i", -20) + b"\x00" * 20
    data = keytab(hole, entry("carol@R"), hole, entry("dave@R")) + b"\x00" * 8
    assert read_principals(data) == ["carol@R", "dave@R"]


def test_an_empty_keytab_has_no_principals() -> None:
    assert read_principals(b"\x05\x02") == []


def test_special_characters_are_escaped_like_klist() -> None:
    # A component containing '@' is printed escaped, so the principal stays unambiguous.
    data = keytab(entry("a@b@R"))
    assert read_principals(data) == ["a\\@b@R"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty or too short"),
        (b"\x05", "empty or too short"),
        (b"PK\x03\x04zipfile", "not a Kerberos keytab: it starts with 504b"),
        (b"\x05\x03" + b"\x00" * 10, "not a Kerberos keytab"),
        (b"[libdefaults]\n", "not a Kerberos keytab"),
    ],
)
def test_files_that_are_not_keytabs_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(KeytabError, match=message):
        read_principals(data)


def test_truncated_keytabs_are_refused() -> None:
    full = keytab(entry("alice@EXAMPLE.COM"), entry("bob@EXAMPLE.COM"))
    for cut in (len(full) - 1, len(full) - 30, 6, 8):
        with pytest.raises(KeytabError, match="truncated"):
            read_principals(full[:cut])
    with pytest.raises(KeytabError, match="ends inside an entry's size"):
        read_principals(full + b"\x00\x01")


def test_a_record_whose_fields_overrun_its_size_is_refused() -> None:
    good = entry("alice@EXAMPLE.COM")
    body = good[4:]
    lying = struct.pack(">i", 10) + body[:10]  # claims 10 bytes: ends inside the realm
    with pytest.raises(KeytabError, match="entry 1 of the keytab is truncated: it ends inside the realm"):
        read_principals(keytab(lying))


def test_a_hole_past_the_end_is_refused() -> None:
    with pytest.raises(KeytabError, match="deleted entry runs past the end"):
        read_principals(keytab(struct.pack(">i", -100) + b"\x00" * 10))


def test_a_principal_without_components_is_refused() -> None:
    record = struct.pack(">H", 0) + _string("R", ">") + struct.pack(">IIBHH", 1, 0, 1, 18, 0)
    with pytest.raises(KeytabError, match="without components"):
        read_principals(keytab(struct.pack(">i", len(record)) + record))


def test_keytab_error_is_a_refusal_of_the_input() -> None:
    assert issubclass(KeytabError, InvalidGroupInput) and KeytabError.status == 422
