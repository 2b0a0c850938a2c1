"""The Hadoop section: upload only Hadoop XML (all or nothing), list, edit properties, download, delete."""

from __future__ import annotations

import pytest
from config_group_helpers import CORE_SITE, HDFS_SITE, YARN_SITE, audit_events, call, make_group, upload

from platform_runner import Platform

pytestmark = pytest.mark.integration


def _names(platform: Platform, group: str) -> list[str]:
    return [f["name"] for f in call(platform, "GET", f"/config-groups/{group}/hadoop").json()["files"]]


def test_upload_lists_files_and_reports_the_missing_ones(platform: Platform) -> None:
    group = make_group(platform, "hadoop")
    resp = upload(
        platform,
        f"/config-groups/{group}/hadoop",
        [("core-site.xml", CORE_SITE), ("hdfs-site.xml", HDFS_SITE)],
    )
    assert resp.status == 200, resp.body
    listing = resp.json()
    assert [f["name"] for f in listing["files"]] == ["core-site.xml", "hdfs-site.xml"]
    assert listing["files"][0]["size"] == len(CORE_SITE) and listing["files"][0]["modified"]
    assert listing["missing"] == ["yarn-site.xml"]

    extra = b"<configuration><property><name>hive.x</name><value>1</value></property></configuration>"
    upload(
        platform, f"/config-groups/{group}/hadoop", [("yarn-site.xml", YARN_SITE), ("hive-site.xml", extra)]
    )
    listing = call(platform, "GET", f"/config-groups/{group}/hadoop", user="viewer_user").json()
    assert listing["missing"] == [] and len(listing["files"]) == 4
    summary = next(g for g in call(platform, "GET", "/config-groups").json()["groups"] if g["name"] == group)
    assert summary["hadoop_files"] == 4 and summary["missing_hadoop_files"] == []
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.hadoop.upload"))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.xml", b"this is not xml", "not well-formed"),
        ("pom.xml", b"<project><modelVersion>4</modelVersion></project>", "root element is <project>"),
        ("core-site.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><configuration/>', "DTD"),
        ("core-site.txt", CORE_SITE, "extension"),
        ("bad.xml", b"<configuration><foo/></configuration>", "only contain <property>"),
        ("../evil.xml", CORE_SITE, "contains '/'"),
    ],
)
def test_anything_but_hadoop_xml_is_refused_and_nothing_is_written(
    platform: Platform, name: str, data: bytes, reason: str
) -> None:
    group = make_group(platform, "refuse")
    resp = upload(platform, f"/config-groups/{group}/hadoop", [("hdfs-site.xml", HDFS_SITE), (name, data)])
    assert resp.status == 422, resp.body
    assert reason in resp.json()["detail"] and "nothing was uploaded" in resp.json()["detail"]
    assert _names(platform, group) == []


def test_too_large_files_are_refused_with_413(platform: Platform) -> None:
    group = make_group(platform, "big")
    padding = b"<!--" + b"x" * (4 * 1024 * 1024) + b"-->"
    resp = upload(platform, f"/config-groups/{group}/hadoop", [("core-site.xml", CORE_SITE + padding)])
    assert resp.status == 413 and "larger than the limit" in resp.json()["detail"]
    assert _names(platform, group) == []


def test_edit_properties_round_trip_download_and_delete(platform: Platform) -> None:
    group = make_group(platform, "edit")
    upload(platform, f"/config-groups/{group}/hadoop", [("core-site.xml", CORE_SITE)])
    path = f"/config-groups/{group}/hadoop/core-site.xml"
    props = call(platform, "GET", path, user="viewer_user").json()["properties"]
    assert props[0] == {
        "name": "fs.defaultFS",
        "value": "hdfs://master:9000",
        "description": None,
        "final": False,
    }
    assert props[1]["final"] is True

    props[0]["value"] = "hdfs://nn.example.com:8020"
    props.append({"name": "io.file.buffer.size", "value": "<131072 & more>", "description": "buffer"})
    props = [p for p in props if p["name"] != "hadoop.tmp.dir"]
    resp = call(platform, "PUT", path, user="op_user", json_body={"properties": props})
    assert resp.status == 200, resp.body
    again = call(platform, "GET", path).json()["properties"]
    assert [(p["name"], p["value"]) for p in again] == [
        ("fs.defaultFS", "hdfs://nn.example.com:8020"),
        ("io.file.buffer.size", "<131072 & more>"),
    ]
    download = call(platform, "GET", path + "/download", user="viewer_user")
    assert download.status == 200 and "attachment" in download.headers["content-disposition"]
    assert b"<value>&lt;131072 &amp; more&gt;</value>" in download.body
    assert download.body.startswith(b"<?xml")

    dup = call(platform, "PUT", path, json_body={"properties": [{"name": "a", "value": "1"}] * 2})
    assert dup.status == 422 and "twice" in dup.json()["detail"]
    assert call(platform, "PUT", path, user="dev_user", json_body={"properties": []}).status == 403
    assert call(platform, "GET", f"/config-groups/{group}/hadoop/nope.xml").status == 404

    assert call(platform, "DELETE", path).status == 204
    assert call(platform, "GET", path).status == 404
    listing = call(platform, "GET", f"/config-groups/{group}/hadoop").json()
    assert listing == {"files": [], "missing": ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"]}
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.hadoop.edit"))
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.hadoop.delete"))
