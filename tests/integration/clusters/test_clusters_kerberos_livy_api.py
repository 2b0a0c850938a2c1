"""Kerberos (krb5.conf, keytabs never returned, principal, keytab selection) and Livy (write-only passwords)."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest
from config_group_helpers import audit_events, call, keytab, make_group, password_of, unique, upload

from helpers.platform_runner import Platform, Response, multipart, tar_gz

pytestmark = pytest.mark.integration

KRB5 = b"[libdefaults]\n  default_realm = EXAMPLE.COM\n"


def test_kerberos_files_principal_and_keytab_selection(platform: Platform) -> None:
    group = make_group(platform, "krb")
    secret_keytab = keytab("etl@EXAMPLE.COM", "HTTP/edge.example.com@EXAMPLE.COM")
    resp = upload(
        platform,
        f"/config-groups/{group}/kerberos/files",
        [("krb5.conf", KRB5), ("etl.keytab", secret_keytab)],
        user="op_user",
    )
    assert resp.status == 200, resp.body
    section = resp.json()
    assert section["krb5_conf"] is True and section["principal"] is None
    [entry] = section["keytabs"]
    assert entry["name"] == "etl.keytab" and entry["size"] == len(secret_keytab)
    assert entry["principals"] == ["etl@EXAMPLE.COM", "HTTP/edge.example.com@EXAMPLE.COM"]
    assert set(entry) == {"name", "size", "modified", "principals"}

    ok = call(
        platform,
        "PUT",
        f"/config-groups/{group}/kerberos",
        json_body={"principal": "etl@EXAMPLE.COM", "keytab": "etl.keytab"},
    )
    assert ok.status == 200 and ok.json()["keytab"] == "etl.keytab"
    missing = call(platform, "PUT", f"/config-groups/{group}/kerberos", json_body={"keytab": "other.keytab"})
    assert missing.status == 422 and "not one of this group's keytabs" in missing.json()["detail"]
    bad = call(platform, "PUT", f"/config-groups/{group}/kerberos", json_body={"principal": "two words"})
    assert bad.status == 422
    call(
        platform,
        "PUT",
        f"/config-groups/{group}/spark",
        json_body={"arguments": {"master": "yarn", "keytab": "etl.keytab", "principal": "etl@EXAMPLE.COM"}},
        expected=(200,),
    )

    # The keytab's bytes appear in no response (detail, section, listing), as such or base64-encoded.
    import base64

    for path in (f"/config-groups/{group}", f"/config-groups/{group}/kerberos", "/config-groups"):
        body = call(platform, "GET", path).body
        assert secret_keytab not in body and base64.b64encode(secret_keytab) not in body
        assert b"KKKKKKKKKKKKKKKK" not in body
    detail = call(platform, "GET", f"/config-groups/{group}").json()
    assert detail["kerberos"]["principal"] == "etl@EXAMPLE.COM"
    summary = next(g for g in call(platform, "GET", "/config-groups").json()["groups"] if g["name"] == group)
    assert summary["kerberos"] is True

    not_keytab = upload(
        platform,
        f"/config-groups/{group}/kerberos/files",
        [("krb5.conf", b"[libdefaults]\n"), ("fake.keytab", b"hello")],
    )
    assert not_keytab.status == 422 and "not a Kerberos keytab" in not_keytab.json()["detail"]
    other = upload(platform, f"/config-groups/{group}/kerberos/files", [("id_rsa", b"key")])
    assert other.status == 422 and "krb5.conf and *.keytab" in other.json()["detail"]
    section = call(platform, "GET", f"/config-groups/{group}/kerberos").json()
    assert [k["name"] for k in section["keytabs"]] == ["etl.keytab"]
    # A Developer may reach the route (krb5.conf code settings are theirs) but not upload keytabs.
    refused = upload(platform, f"/config-groups/{group}/kerberos/files", [("dev.keytab", keytab("d@X"))], "dev_user")
    assert refused.status == 403 and "uploading keytabs (dev.keytab)" in refused.json()["detail"]

    assert call(platform, "DELETE", f"/config-groups/{group}/kerberos/keytabs/etl.keytab").status == 204
    section = call(platform, "GET", f"/config-groups/{group}/kerberos").json()
    assert section["keytab"] is None and section["keytabs"] == []
    assert "keytab" not in call(platform, "GET", f"/config-groups/{group}/spark").json()["arguments"]
    assert call(platform, "DELETE", f"/config-groups/{group}/kerberos/keytabs/etl.keytab").status == 404
    assert call(platform, "DELETE", f"/config-groups/{group}/kerberos/krb5.conf").status == 204
    assert call(platform, "GET", f"/config-groups/{group}/kerberos").json()["krb5_conf"] is False
    for action in (
        "config_group.kerberos.upload",
        "config_group.kerberos.update",
        "config_group.kerberos.keytab.delete",
        "config_group.kerberos.krb5.delete",
    ):
        assert any(e["object_id"] == group for e in audit_events(platform, action)), action


def test_livy_passwords_are_write_only(platform: Platform) -> None:
    group = make_group(platform, "livy")
    path = f"/config-groups/{group}/livy"
    assert call(platform, "GET", path).json()["python"] == {
        "url": "",
        "auth": "None",
        "username": "",
        "password_set": False,
    }
    body = {
        "python": {
            "url": "http://livy.example.com:8998",
            "auth": "Basic_Access",
            "username": "u",
            "password": "s3cret-livy-pw",
        },
        "scala": {"url": "https://livy2.example.com", "auth": "Kerberos"},
    }
    resp = call(platform, "PUT", path, user="op_user", json_body=body)
    assert resp.status == 200, resp.body
    assert resp.json()["python"] == {
        "url": "http://livy.example.com:8998",
        "auth": "Basic_Access",
        "username": "u",
        "password_set": True,
    }
    assert resp.json()["scala"]["password_set"] is False
    for p in (path, f"/config-groups/{group}", "/audit/events?limit=20"):
        assert b"s3cret-livy-pw" not in call(platform, "GET", p).body

    body["python"].pop("password")
    kept = call(platform, "PUT", path, json_body=body).json()
    assert kept["python"]["password_set"] is True
    body["python"].update(auth="None", password="")
    cleared = call(platform, "PUT", path, json_body=body).json()
    assert cleared["python"]["password_set"] is False

    bad = call(platform, "PUT", path, json_body={"python": {"url": "ftp://x", "auth": "Digest"}})
    assert bad.status == 422
    refused = {".".join(map(str, e["loc"][1:])): e["msg"] for e in bad.json()["detail"]}
    assert refused == {
        "python.url": "'ftp://x' is not an absolute http:// or https:// URL (like http://livy-host:8998)",
        "python.auth": "'Digest' is not one of None, Basic_Access, Kerberos",
    }
    needs_pw = call(
        platform,
        "PUT",
        path,
        json_body={"python": {"url": "http://l:8998", "auth": "Basic_Access", "username": "u"}},
    )
    assert needs_pw.status == 422 and "needs a password" in needs_pw.json()["detail"]
    assert call(platform, "PUT", path, user="dev_user", json_body=body).status == 403
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.livy.update"))


def _import_group(platform: Platform, group: str, livy: dict[str, Any]) -> Response:
    """Import the export of `group` (only it) with its Livy settings replaced, as op_user."""
    export = platform.request("GET", "/api/configs/", token=platform.token(), expected=(200,)).body
    with tarfile.open(fileobj=io.BytesIO(export), mode="r:gz") as archive:
        members = {
            m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
            if m.isfile() and m.name.startswith(f"configs/{group}/")
        }
    document = json.loads(members[f"configs/{group}/group.json"])
    members[f"configs/{group}/group.json"] = json.dumps({**document, "livy": livy}).encode()
    members["configs/manifest.json"] = json.dumps({"format": 1, "default": None, "secrets": False}).encode()
    body, content_type = multipart([("configs.tar.gz", tar_gz(members))], field="sources")
    token = platform.token("op_user", password_of(platform, "op_user"))
    headers = {"Content-Type": content_type}
    return platform.request("POST", "/api/configs/", data=body, token=token, headers=headers)


def test_pointing_a_livy_url_elsewhere_needs_the_password_again(platform: Platform) -> None:
    # Issue 10 item 3: an Op redirected the stored password to a host of their choice by changing the URL.
    group = make_group(platform, "livyurl")
    path = f"/config-groups/{group}/livy"
    endpoint = {"url": "http://livy.example.com:8998", "auth": "Basic_Access", "username": "u"}
    call(platform, "PUT", path, json_body={"python": {**endpoint, "password": "pw-1"}}, expected=(200,))
    again = "the URL now points at another server: give the password again for the new URL"
    elsewhere = (
        "http://collector.example.net:8998",
        "https://livy.example.com:8998",
        "http://livy.example.com",
    )
    for url in elsewhere:
        body = {"python": {**endpoint, "url": url}}
        moved = call(platform, "PUT", path, user="op_user", json_body=body)
        assert moved.status == 422 and again in moved.json()["detail"], moved.body
        assert call(platform, "GET", path).json()["python"]["url"] == endpoint["url"]
    # The same server under another path keeps it.
    same = {"python": {**endpoint, "url": "http://livy.example.com:8998/livy"}}
    assert call(platform, "PUT", path, user="op_user", json_body=same).json()["python"]["password_set"] is True

    # Through an import: the archive (without secrets) points the URL elsewhere.
    refused = _import_group(platform, group, {"python": {**endpoint, "url": elsewhere[0]}})
    assert refused.status == 422 and again in refused.json()["detail"], refused.body
    assert call(platform, "GET", path).json()["python"]["url"] == "http://livy.example.com:8998/livy"

    # A clone carries the password for its URL, and loses it when its URL moves.
    clone = unique("livyclone")
    call(platform, "POST", f"/config-groups/{group}/clone", json_body={"name": clone}, expected=(201,))
    clone_path = f"/config-groups/{clone}/livy"
    assert call(platform, "GET", clone_path).json()["python"]["password_set"] is True
    collector = {"python": {**endpoint, "url": elsewhere[0]}}
    moved = call(platform, "PUT", clone_path, user="op_user", json_body=collector)
    assert moved.status == 422 and again in moved.json()["detail"]
    collector["python"]["auth"] = "None"
    assert call(platform, "PUT", clone_path, user="op_user", json_body=collector).json()["python"] == {
        **collector["python"],
        "username": "u",
        "password_set": False,
    }
    assert call(platform, "GET", path).json()["python"]["password_set"] is True


PLUGINS = b"[plugins]\n  ccselect = {\n    module = evil:/tmp/wfo-attack/evil.so\n  }\n"


def test_op_cannot_make_kerberos_load_code_and_a_developer_may(platform: Platform) -> None:
    # Issue 10: libkrb5 loads the modules krb5.conf names (tasks get it as KRB5_CONFIG).
    group = make_group(platform, "krbcode")
    files, conf = f"/config-groups/{group}/kerberos/files", f"/config-groups/{group}/kerberos/krb5.conf"
    assert upload(platform, files, [("krb5.conf", KRB5)], user="op_user").status == 200
    for evil in (KRB5 + PLUGINS, KRB5 + b"include /tmp/wfo-attack/more.conf\n"):
        refused = upload(platform, files, [("krb5.conf", evil)], user="op_user")
        assert refused.status == 403, refused.body
        assert "WFO Cluster Code Settings" in refused.json()["detail"]
    conn = platform.request("GET", f"/api/v2/connections/wfo_config_group_{group}", token=platform.token())
    assert json.loads(conn.json()["extra"])["krb5_conf"] == KRB5.decode()
    denied = [e for e in audit_events(platform, "config_group.kerberos.upload") if e["object_id"] == group]
    assert any(e["user"] == "op_user" and e["outcome"] == "denied" for e in denied)

    assert upload(platform, files, [("krb5.conf", KRB5 + PLUGINS)], user="dev_user").status == 200
    conn = platform.request("GET", f"/api/v2/connections/wfo_config_group_{group}", token=platform.token())
    assert "evil.so" in json.loads(conn.json()["extra"])["krb5_conf"]
    # Removing them is a code change too: not an Op's; the whole file (realm too) only an Admin's.
    assert call(platform, "DELETE", conf, user="op_user").status == 403
    assert call(platform, "DELETE", conf, user="dev_user").status == 403
    assert call(platform, "DELETE", conf).status == 204
