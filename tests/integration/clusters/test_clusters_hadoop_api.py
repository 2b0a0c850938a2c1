"""The Hadoop section: upload only Hadoop XML (all or nothing), list, edit properties, download, delete."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from config_group_helpers import CORE_SITE, HDFS_SITE, YARN_SITE, audit_events, call, make_group, upload

from helpers.platform_runner import Platform

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
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.hadoop.update"))
    assert any(e["object_id"] == group for e in audit_events(platform, "config_group.hadoop.delete"))



LATIN1_SITE = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<configuration><property><name>hadoop.tmp.dir</name>'
    "<value>/données/tmp</value><description>répertoire</description></property></configuration>\n"
)


@pytest.mark.parametrize(
    "data",
    [LATIN1_SITE.encode("latin-1"), LATIN1_SITE.replace("ISO-8859-1", "UTF-16").encode("utf-16")],
    ids=["iso-8859-1", "utf-16"],
)
def test_valid_xml_in_another_encoding_is_stored_as_utf8(platform: Platform, data: bytes) -> None:
    group = make_group(platform, "enc")
    resp = upload(platform, f"/config-groups/{group}/hadoop", [("core-site.xml", data)])
    assert resp.status == 200, resp.body
    path = f"/config-groups/{group}/hadoop/core-site.xml"
    [prop] = call(platform, "GET", path).json()["properties"]
    assert (prop["name"], prop["value"]) == ("hadoop.tmp.dir", "/données/tmp")
    assert prop["description"] == "répertoire"
    download = call(platform, "GET", path + "/download").body
    assert download.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "/données/tmp".encode() in download
    # What workers read (the published connection) holds the same text.
    conn_path = f"/api/v2/connections/wfo_config_group_{group}"
    conn = platform.request("GET", conn_path, token=platform.token()).json()
    assert "/données/tmp" in json.loads(conn["extra"])["hadoop_files"]["core-site.xml"]


def _race(platform: Platform, group: str, name: str, barrier: threading.Barrier, value: str) -> int:
    data = f"<configuration><property><name>a</name><value>{value}</value></property></configuration>"
    barrier.wait()
    return upload(platform, f"/config-groups/{group}/hadoop", [(name, data.encode())]).status


def test_concurrent_uploads_of_the_same_file_never_fail_with_a_server_error(platform: Platform) -> None:
    group = make_group(platform, "race")
    names = [f"race-{attempt}-site.xml" for attempt in range(4)]
    statuses: list[int] = []
    for name in names:
        with ThreadPoolExecutor(2) as pool:
            statuses += pool.map(partial(_race, platform, group, name, threading.Barrier(2)), ("1", "2"))
    # Both succeed one after the other, or the loser gets a clean 409: never a 500.
    assert len(statuses) == 8 and set(statuses) <= {200, 409} and statuses.count(200) >= 4, statuses
    assert _names(platform, group) == names
    for name in names:
        [prop] = call(platform, "GET", f"/config-groups/{group}/hadoop/{name}").json()["properties"]
        assert prop["value"] in ("1", "2")


CLASS_PROPERTIES = (
    b"<property><name>fs.hdfs.impl</name><value>org.example.EvilFileSystem</value></property>"
    b"<property><name>my.own.key</name><value>org.example.Evil</value></property></configuration>"
)


def test_op_cannot_upload_edit_or_delete_properties_that_name_code(platform: Platform) -> None:
    group = make_group(platform, "hcode")
    hadoop = f"/config-groups/{group}/hadoop"
    upload(platform, hadoop, [("core-site.xml", CORE_SITE)])
    with_class = CORE_SITE.replace(b"</configuration>", CLASS_PROPERTIES)
    refused = upload(platform, hadoop, [("core-site.xml", with_class)], user="op_user")
    assert refused.status == 403, refused.body
    detail = refused.json()["detail"]
    assert "core-site.xml: fs.hdfs.impl (its name says 'impl')" in detail
    assert "core-site.xml: my.own.key (names the class 'org.example.Evil')" in detail
    assert "WFO Cluster Code Settings" in detail and "nothing was changed" in detail
    path = f"{hadoop}/core-site.xml"
    names = [p["name"] for p in call(platform, "GET", path).json()["properties"]]
    assert names == ["fs.defaultFS", "hadoop.tmp.dir"]
    events = audit_events(platform, "config_group.hadoop.upload")
    denied = [e for e in events if e["user"] == "op_user" and e["outcome"] == "denied"]
    assert any(e["object_id"] == group for e in denied)

    # An Admin adds them; an Op re-uploads them unchanged with a tuning change, but cannot remove them.
    assert upload(platform, hadoop, [("core-site.xml", with_class)]).status == 200
    tuned = with_class.replace(b"hdfs://master:9000", b"hdfs://nn2:8020")
    assert upload(platform, hadoop, [("core-site.xml", tuned)], user="op_user").status == 200
    props = call(platform, "GET", path).json()["properties"]
    kept = [p for p in props if p["name"] != "my.own.key"]
    edit = call(platform, "PUT", path, user="op_user", json_body={"properties": kept})
    assert edit.status == 403 and "my.own.key" in edit.json()["detail"]
    assert call(platform, "DELETE", path, user="op_user").status == 403
    assert len(call(platform, "GET", path).json()["properties"]) == 4
