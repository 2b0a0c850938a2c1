"""Keytabs made by a real MIT KDC database (kadmin.local) are read like `klist -k` reads them."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from wfo.clusters.keytab import KeytabError, read_principals

from helpers.kdc import APT_PACKAGES, Realm, create_realm, missing_tools

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Realm:
    missing = missing_tools()
    if missing:
        pytest.fail(f"Kerberos tools {missing} missing: apt-get install -y {' '.join(APT_PACKAGES)}")
    return create_realm(tmp_path_factory.mktemp("kdc") / "realm")


def test_keytab_of_several_principals_lists_them_like_klist(realm: Realm, tmp_path: Path) -> None:
    alice = realm.add_principal("alice")
    service = realm.add_principal("HTTP/edge-1.example.com")
    spark = realm.add_principal("spark/yarn/node-2")
    keytab = realm.export_keytab(tmp_path / "users.keytab", alice, service, spark)

    principals = read_principals(keytab.read_bytes())

    assert principals == [alice, service, spark]
    assert principals == realm.klist(keytab)


def test_keytab_with_deleted_entries_skips_the_holes(realm: Realm, tmp_path: Path) -> None:
    bob = realm.add_principal("bob")
    carol = realm.add_principal("carol")
    keytab = realm.export_keytab(tmp_path / "team.keytab", bob, carol)
    realm.remove_from_keytab(keytab, bob)

    data = keytab.read_bytes()
    assert struct.unpack(">i", data[2:6])[0] < 0, "ktremove leaves a hole (negative size) where bob was"
    assert read_principals(data) == [carol] == realm.klist(keytab)


def test_truncated_real_keytab_is_refused(realm: Realm, tmp_path: Path) -> None:
    dave = realm.add_principal("dave")
    data = realm.export_keytab(tmp_path / "dave.keytab", dave).read_bytes()

    with pytest.raises(KeytabError, match="truncated"):
        read_principals(data[: len(data) - 5])
