"""krb5.conf settings that can load code (issue 10): an allow-list, checked on upload, delete and import.

libkrb5 loads code named in krb5.conf (`[plugins]` modules, `[dbmodules]`, `plugin_base_dir`, PKCS#11
modules of pkinit identities) and pulls in files with `include` / `includedir`; tasks get the group's
file as KRB5_CONFIG. The real libkrb5 (`klist`) shows below that each smuggling trick is read as a
directive, and the classifier calls each one code.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from wfo.clusters import groups, kerberos_section, krb5_code, transfer_import
from wfo.clusters.errors import ChangeForbidden
from wfo.clusters.permissions import Permissions
from wfo.clusters.stored import KRB5, find_file, get_group
from wfo.clusters.uploads import IncomingFile

OP = Permissions(can_edit_cluster=True, can_edit_code=False)
DEVELOPER = Permissions(can_edit_cluster=False, can_edit_code=True)
ADMIN = Permissions(can_edit_cluster=True, can_edit_code=True)
PLAIN = b"""# written by the cluster's admins
[libdefaults]
  default_realm = LAB.EXAMPLE
  dns_lookup_kdc = false
  ticket_lifetime = 24h
  forwardable = true
  LAB.EXAMPLE = {
    udp_preference_limit = 1
  }

[realms]
  LAB.EXAMPLE = {
    kdc = kdc1.lab.example:88
    kdc = kdc2.lab.example:88
    admin_server = kdc1.lab.example
  }

[domain_realm]
  .lab.example = LAB.EXAMPLE

[capaths]
  LAB.EXAMPLE = {
    OTHER.EXAMPLE = .
  }
"""
PLUGINS = b"\n[plugins]\n  ccselect = {\n    module = evil:/tmp/wfo-attack/evil.so\n  }\n"
INCLUDE = "include /nonexistent/wfo-attack.conf"


USER_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


def test_the_user_guide_lists_exactly_what_an_op_may_set() -> None:
    step = USER_GUIDE.read_text(encoding="utf-8").split("4. **Kerberos**", 1)[1].split("5. **Livy**", 1)[0]
    realms, libdefaults = step.split("(per realm:", 1)[1].split("[libdefaults]", 1)
    names = lambda text: set(re.findall(r"`([a-z_]+)`", text))  # noqa: E731
    assert names(realms.split(")", 1)[0]) == krb5_code.REALM_KEYS
    assert names(libdefaults.split("Anything", 1)[0]) == krb5_code.LIBDEFAULTS_KEYS


def _code(text: str) -> dict[str, str]:
    return krb5_code.read(text.encode()).code


def test_realms_kdcs_and_listed_libdefaults_are_not_code() -> None:
    conf = krb5_code.read(PLAIN)
    assert conf.code == {}
    assert conf.other["[realms] LAB.EXAMPLE/kdc"] == "kdc1.lab.example:88\nkdc2.lab.example:88"
    assert conf.other["[libdefaults] LAB.EXAMPLE/udp_preference_limit"] == "1"


@pytest.mark.parametrize(
    ("added", "where", "why"),
    [
        (PLUGINS.decode(), "[plugins]", "a section an Op may not set"),
        (PLUGINS.decode(), "[plugins] ccselect/module", "in [plugins]"),
        ("[dbmodules]\n db = {\n  db_library = /tmp/x.so\n }\n", "[dbmodules] db/db_library", "in [dbmodules]"),
        ("[libdefaults]\n plugin_base_dir = /tmp/x\n", "[libdefaults] plugin_base_dir", "not on the list"),
        ("[libdefaults]\n pkinit_anchors = FILE:/tmp/ca.pem\n", "[libdefaults] pkinit_anchors", "not on the list"),
        ("[libdefaults]\n default_ccache_name = FILE:/home/x/.bashrc\n", "[libdefaults] default_ccache_name", "not on"),
        (
            "[realms]\n LAB.EXAMPLE = {\n  pkinit_identities = PKCS11:module_name=/tmp/x.so\n }\n",
            "[realms] LAB.EXAMPLE/pkinit_identities",
            "not on the list of realm settings",
        ),
        ("[realms]\n kdc = outside.a.realm\n", "[realms] kdc", "not where [realms] holds its settings"),
        ("[logging]\n default = FILE:/tmp/x.log\n", "[logging]", "a section an Op may not set"),
        (INCLUDE + "\n", "include", "loads another file"),
        ("includedir /tmp/wfo-attack\n", "includedir", "loads every file of a folder"),
        ("module /tmp/x.so:residual\n", "module", "loads a profile library"),
        ("[libdefaults]\n default_realm = " + "A" * 2030 + INCLUDE + "\n", "the line '", "longer than"),
        ("[libdefaults]\n default_realm = LAB\r" + INCLUDE + "\n", "the line '", "control character"),
        ("[libdefaults]\n default_realm junk = LAB\n", "the line 'default_realm junk", "`tag = value`"),
    ],
)
def test_everything_else_is_code(added: str, where: str, why: str) -> None:
    code = krb5_code.read(PLAIN + b"\n" + added.encode())
    found = [w for w in code.code if w.startswith(where)]
    assert found, code.code
    assert why in code.reasons[found[0]]


def _libkrb5_reads(conf: str, tmp_path: Path) -> str:
    """What MIT libkrb5 says about `conf` when a program starts with it as KRB5_CONFIG."""
    path = tmp_path / "krb5.conf"
    path.write_bytes(conf.encode())
    env = {**os.environ, "KRB5_CONFIG": str(path)}
    done = subprocess.run(
        ["klist", "-c", f"FILE:{tmp_path}/none"], env=env, capture_output=True, text=True, timeout=30
    )
    return done.stderr


@pytest.mark.parametrize(
    "conf",
    [
        f"[libdefaults]\n default_realm = LAB\n{INCLUDE}\n",
        # libkrb5 reads 2047 bytes at a time: the rest of a long line is parsed as a line of its own.
        "[libdefaults]\n default_realm = " + "A" * 2030 + INCLUDE + "\n",
    ],
    ids=["include", "long-line"],
)
def test_libkrb5_follows_the_smuggled_directive_and_the_rule_calls_it_code(conf: str, tmp_path: Path) -> None:
    assert "Included profile file could not be read" in _libkrb5_reads(conf, tmp_path)
    assert _code(conf), "a file libkrb5 reads an include from must hold a code setting"


def test_an_indented_include_is_not_a_directive_for_libkrb5(tmp_path: Path) -> None:
    conf = f"[libdefaults]\n default_realm = LAB\n {INCLUDE}\n"
    assert "Included profile" not in _libkrb5_reads(conf, tmp_path)
    assert "include" not in _code(conf)  # still code: a line libkrb5 cannot read
    assert _code(conf)


def test_the_plain_file_loads_in_libkrb5(tmp_path: Path) -> None:
    assert "No credentials cache found" in _libkrb5_reads(PLAIN.decode(), tmp_path)


def _upload(session: Session, data: bytes, permissions: Permissions, name: str = "krb5.conf") -> None:
    group = get_group(session, "default")
    kerberos_section.upload_kerberos_files(
        session, group, [IncomingFile(name, io.BytesIO(data))], "u", permissions
    )


def _stored(session: Session) -> bytes | None:
    found = find_file(get_group(session, "default"), KRB5, "krb5.conf")
    return None if found is None else found.content


def test_op_cannot_upload_change_or_delete_code_settings_and_developer_may_add_them(session: Session) -> None:
    groups.ensure_default_group(session)
    # Whether a group has a krb5.conf is the Op's (without one, tasks use the worker's own).
    with pytest.raises(ChangeForbidden, match="or whether the group has one"):
        _upload(session, b"# nothing set yet\n", DEVELOPER)
    _upload(session, PLAIN, OP)
    with pytest.raises(ChangeForbidden) as refused:
        _upload(session, PLAIN + PLUGINS, OP)
    assert "krb5.conf: [plugins] ccselect/module (in [plugins])" in str(refused.value)
    assert "WFO Cluster Code Settings" in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert _stored(session) == PLAIN

    _upload(session, PLAIN + PLUGINS, DEVELOPER)
    assert _stored(session) == PLAIN + PLUGINS
    # Op keeps tuning the realm next to the code settings, but cannot remove them ...
    moved = PLAIN.replace(b"kdc2.lab", b"kdc3.lab") + PLUGINS
    _upload(session, moved, OP)
    with pytest.raises(ChangeForbidden, match=r"\[plugins\]"):
        _upload(session, PLAIN, OP)
    with pytest.raises(ChangeForbidden, match="deleting krb5.conf"):
        kerberos_section.delete_krb5_conf(session, get_group(session, "default"), "u", OP)
    # ... and a Developer changes code settings, not realms, nor keytabs.
    with pytest.raises(ChangeForbidden, match="WFO Config Groups"):
        _upload(session, PLAIN + PLUGINS, DEVELOPER)
    with pytest.raises(ChangeForbidden, match="uploading keytabs"):
        _upload(session, b"\x05\x02", DEVELOPER, name="x.keytab")
    assert _stored(session) == moved
    kerberos_section.delete_krb5_conf(session, get_group(session, "default"), "u", ADMIN)
    assert _stored(session) is None


def _archive(krb5: bytes) -> io.BytesIO:
    members = {
        "configs/manifest.json": json.dumps({"format": 1, "default": None}).encode(),
        "configs/default/group.json": json.dumps({"spark": {"arguments": {"master": "local[*]"}}}).encode(),
        "configs/default/kerberos/krb5.conf": krb5,
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def test_an_import_by_op_cannot_bring_code_settings_in_krb5_conf(session: Session) -> None:
    groups.ensure_default_group(session)
    _upload(session, PLAIN, OP)
    with pytest.raises(ChangeForbidden, match=r"importing group 'default' touches krb5.conf .*\[plugins\]"):
        transfer_import.import_groups(
            session, _archive(PLAIN + PLUGINS), dry_run=False, username="u", permissions=OP, dependencies=[]
        )
    assert _stored(session) == PLAIN
    report = transfer_import.import_groups(
        session, _archive(PLAIN + PLUGINS), dry_run=False, username="u", permissions=ADMIN, dependencies=[]
    )
    assert report.updated == ["default"] and _stored(session) == PLAIN + PLUGINS
