"""`GET/POST /api/configs/`: export, dry run, refusals, and a round trip into an empty wfo home."""

from __future__ import annotations

import io
import json
import secrets
import tarfile
from pathlib import Path
from typing import Any

import pytest
from config_group_helpers import CORE_SITE, HDFS_SITE, YARN_SITE, call, keytab, make_group, upload

from helpers.platform_runner import Platform, free_port, multipart, tar_gz

pytestmark = pytest.mark.integration


def _members(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def _configured_group(platform: Platform) -> str:
    group = make_group(platform, "xfer")
    upload(
        platform,
        f"/config-groups/{group}/hadoop",
        [("core-site.xml", CORE_SITE), ("hdfs-site.xml", HDFS_SITE), ("yarn-site.xml", YARN_SITE)],
    )
    upload(
        platform,
        f"/config-groups/{group}/kerberos/files",
        [("krb5.conf", b"[libdefaults]\n default_realm = LAB\n"), ("svc.keytab", keytab("svc@LAB"))],
    )
    call(
        platform,
        "PUT",
        f"/config-groups/{group}/kerberos",
        json_body={"principal": "svc@LAB", "keytab": "svc.keytab"},
        expected=(200,),
    )
    call(
        platform,
        "PUT",
        f"/config-groups/{group}/spark",
        expected=(200,),
        json_body={
            "arguments": {"master": "yarn", "deploy-mode": "cluster", "executor-memory": "4g"},
            "confs": {"spark.dynamicAllocation.enabled": "true"},
            "spark_home": None,
        },
    )
    call(
        platform,
        "PUT",
        f"/config-groups/{group}/livy",
        expected=(200,),
        json_body={
            "python": {
                "url": "http://livy:8998",
                "auth": "Basic_Access",
                "username": "u",
                "password": "livy-pw-123",
            },
            "scala": {"url": "", "auth": "None", "username": ""},
        },
    )
    return group


def _export(platform: Platform, query: str = "", user: str = "admin", password: str | None = None) -> Any:
    return platform.request("GET", f"/api/configs/{query}", token=platform.token(user, password))


def _import(platform: Platform, archive: bytes, *, dry_run: bool = False) -> Any:
    body, content_type = multipart(
        [("configs.tar.gz", archive)], field="sources", fields={"dry_run": "true"} if dry_run else None
    )
    return platform.request(
        "POST", "/api/configs", data=body, token=platform.token(), headers={"Content-Type": content_type}
    )


def _state(platform: Platform, group: str) -> dict[str, Any]:
    detail = call(platform, "GET", f"/config-groups/{group}").json()
    props = {
        f["name"]: call(platform, "GET", f"/config-groups/{group}/hadoop/{f['name']}").json()["properties"]
        for f in detail["hadoop"]["files"]
    }
    for f in detail["hadoop"]["files"]:
        f.pop("modified"), f.pop("size")
    for k in detail["kerberos"]["keytabs"]:
        k.pop("modified")
    for key in ("updated_at", "updated_by", "is_default"):
        detail.pop(key)
    return {"detail": detail, "properties": props}


def test_export_leaves_out_secrets_unless_an_admin_asks(platform: Platform) -> None:
    group = _configured_group(platform)
    plain = _export(platform)
    assert plain.status == 200 and plain.headers["content-type"] == "application/gzip"
    members = _members(plain.body)
    assert f"configs/{group}/hadoop/core-site.xml" in members
    assert f"configs/{group}/kerberos/krb5.conf" in members
    assert not any("keytabs/" in name for name in members)
    document = json.loads(members[f"configs/{group}/group.json"])
    assert document["spark"]["arguments"]["master"] == "yarn"
    assert "password" not in json.dumps(document["livy"]) and b"livy-pw-123" not in plain.body

    assert _export(platform, "?include_secrets=true", "op_user", "pw-op_user-Secret1").status == 403
    full = _members(_export(platform, "?include_secrets=true").body)
    assert full[f"configs/{group}/kerberos/keytabs/svc.keytab"] == keytab("svc@LAB")
    assert json.loads(full[f"configs/{group}/group.json"])["livy"]["python"]["password"] == "livy-pw-123"
    # The bare path works too; cookies do not (Bearer tokens only).
    assert platform.request("GET", "/api/configs", token=platform.token()).status == 200
    cookie = platform.request("GET", "/api/configs/", headers={"Cookie": f"_token={platform.token()}"})
    assert cookie.status == 401


def test_dry_run_reports_and_changes_nothing(platform: Platform) -> None:
    group = _configured_group(platform)
    archive = _export(platform).body
    call(
        platform,
        "PUT",
        f"/config-groups/{group}/spark",
        expected=(200,),
        json_body={"arguments": {"master": "local[2]"}, "confs": {}, "spark_home": None},
    )
    report = _import(platform, archive, dry_run=True).json()
    assert report["dry_run"] is True and group in report["updated"]
    assert call(platform, "GET", f"/config-groups/{group}/spark").json()["arguments"]["master"] == "local[2]"
    applied = _import(platform, archive).json()
    assert group in applied["updated"] and "default" in applied["unchanged"] + applied["updated"]
    assert call(platform, "GET", f"/config-groups/{group}/spark").json()["arguments"]["master"] == "yarn"
    # The keytab was not in the (secret-free) archive: it is kept, not removed.
    assert [
        k["name"] for k in call(platform, "GET", f"/config-groups/{group}/kerberos").json()["keytabs"]
    ] == ["svc.keytab"]


def _last_changed(platform: Platform) -> dict[str, tuple[str, str | None]]:
    """Every group's "Last changed" (and by whom), as the Config groups page shows it."""
    listed = call(platform, "GET", "/config-groups").json()["groups"]
    return {g["name"]: (g["updated_at"], g["updated_by"]) for g in listed}


def _group_events(platform: Platform) -> list[dict[str, Any]]:
    events = call(platform, "GET", "/audit/events?limit=200").json()["events"]
    return [e for e in events if e["action"].startswith("config_group.")]


def test_reimporting_an_export_is_a_no_op(platform: Platform) -> None:
    group = _configured_group(platform)
    archive = _export(platform).body
    before = _last_changed(platform)
    events = _group_events(platform)

    for dry_run in (True, False):
        response = _import(platform, archive, dry_run=dry_run)
        assert response.status == 200, response.body
        report = response.json()
        assert sorted(report["unchanged"]) == sorted(before) and group in report["unchanged"]
        assert report["created"] == report["updated"] == [] and report["imported"] is False
        assert report["rejected"] == report["held_back"] == []
    # "Last changed" did not move, and the only new audit event is the import itself.
    assert _last_changed(platform) == before
    new = [e for e in _group_events(platform) if e not in events]
    assert [e["action"] for e in new] == ["config_group.import"] and new[0]["outcome"] == "success"


def test_a_refused_group_refuses_the_whole_import_with_a_report_per_group(platform: Platform) -> None:
    group = _configured_group(platform)
    members = _members(_export(platform).body)
    members[f"configs/{group}/group.json"] = json.dumps(
        {**json.loads(members[f"configs/{group}/group.json"]), "spark_home": "/opt/spark-other"}
    ).encode()
    members["configs/xfer-broken/group.json"] = json.dumps(
        {"spark": {"arguments": {"colour": "red"}}}
    ).encode()
    before, listing = _last_changed(platform), call(platform, "GET", "/config-groups").json()

    for dry_run in (True, False):
        response = _import(platform, tar_gz(members), dry_run=dry_run)
        assert response.status == 422, response.body
        report = response.json()
        assert report["detail"].startswith("nothing was imported, 1 group(s) refused: xfer-broken: ")
        assert [r["name"] for r in report["rejected"]] == ["xfer-broken"]
        assert "colour" in report["rejected"][0]["reason"]
        assert report["created"] == report["updated"] == [] and report["imported"] is False
        assert [(h["name"], h["would_be"]) for h in report["held_back"]] == [(group, "updated")]
        assert report["dry_run"] is dry_run
    assert call(platform, "GET", "/config-groups").json() == listing
    assert _last_changed(platform) == before


MANIFEST = json.dumps({"format": 1, "default": "default", "secrets": False}).encode()


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        (tar_gz({"../../etc/cron.d/x.json": b"{}"}), "refused"),
        (tar_gz({"configs/manifest.json": MANIFEST}, {"configs/evil.xml": "/etc/passwd"}), "link"),
        (
            tar_gz(
                {
                    "configs/manifest.json": MANIFEST,
                    "configs/default/group.json": b"{}",
                    "configs/default/hadoop/core-site.xml": b"<html>not hadoop</html>",
                }
            ),
            "core-site.xml",
        ),
        (
            tar_gz(
                {
                    "configs/manifest.json": MANIFEST,
                    "configs/default/group.json": json.dumps(
                        {"spark": {"arguments": {"colour": "red"}}}
                    ).encode(),
                }
            ),
            "colour",
        ),
        (b"this is not an archive", "refused"),
    ],
)
def test_bad_archives_are_refused_and_change_nothing(platform: Platform, archive: bytes, reason: str) -> None:
    before = call(platform, "GET", "/config-groups").json()
    response = _import(platform, archive)
    assert response.status == 422 and reason in response.json()["detail"]
    assert call(platform, "GET", "/config-groups").json() == before


def test_round_trip_into_an_empty_home(platform: Platform, tmp_path: Path) -> None:
    group = _configured_group(platform)
    dependencies = platform.request("GET", "/api/dependencies/", token=platform.token()).body
    archive = _export(platform, "?include_secrets=true").body
    expected = _state(platform, group)

    empty = Platform(home=tmp_path / "empty", port=free_port(), admin_password=secrets.token_urlsafe(12))
    empty.start()
    try:
        body, content_type = multipart([("dependencies.tar.gz", dependencies)], field="sources")
        empty.request(
            "POST",
            "/api/dependencies/",
            data=body,
            token=empty.token(),
            headers={"Content-Type": content_type},
            expected=(200,),
        )
        report = _import(empty, archive)
        assert report.status == 200, report.body
        assert group in report.json()["created"]
        assert _state(empty, group) == expected
        assert empty.api("GET", f"/config-groups/{group}/livy").json()["python"]["password_set"] is True
        # The imported group is published for workers, like one made through the API.
        snapshot = empty.airflow_cli("connections", "get", f"wfo_config_group_{group}", "-o", "json").stdout
        assert group in snapshot
    finally:
        empty.stop()
