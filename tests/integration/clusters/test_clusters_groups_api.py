"""Config groups through the API: create, clone, rename, default, delete, and what gets published."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
from pathlib import Path

import pytest
from config_group_helpers import CORE_SITE, audit_events, call, keytab, make_group, unique, upload
from sqlalchemy import Engine, create_engine, text

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration


def _airflow_connection(platform: Platform, conn_id: str) -> tuple[int, dict]:
    resp = platform.request("GET", f"/api/v2/connections/{conn_id}", token=platform.token())
    return resp.status, (resp.json() if resp.status == 200 else {})


def test_first_start_has_one_default_group_running_spark_locally(platform: Platform) -> None:
    call(platform, "POST", "/config-groups/default/default", expected=(200,))  # other tests may switch it
    groups = call(platform, "GET", "/config-groups", user="viewer_user", expected=(200,)).json()["groups"]
    default = next(g for g in groups if g["name"] == "default")
    assert default["spark_master"] == "local[*]"
    assert default["missing_hadoop_files"] == ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"]
    assert [g["name"] for g in groups if g["is_default"]] == ["default"]
    status, conn = _airflow_connection(platform, "wfo_config_groups")
    assert status == 200 and conn["conn_type"] == "wfo-config-group"


@pytest.mark.parametrize("bad", ["", "-lead", "has space", "slash/name", "a" * 65, "dots..ok?", "ünï"])
def test_bad_names_are_refused(platform: Platform, bad: str) -> None:
    resp = call(platform, "POST", "/config-groups", json_body={"name": bad})
    assert resp.status == 422 and "not a valid group name" in resp.json()["detail"]


def test_duplicate_names_are_refused_also_in_another_case(platform: Platform) -> None:
    name = make_group(platform)
    for taken in (name, name.upper()):
        resp = call(platform, "POST", "/config-groups", json_body={"name": taken})
        assert resp.status == 409 and "already exists" in resp.json()["detail"]
    other = make_group(platform)
    assert call(platform, "PATCH", f"/config-groups/{other}", json_body={"name": name}).status == 409


def test_create_clone_rename_default_delete(platform: Platform) -> None:
    source = make_group(platform, "src")
    assert upload(platform, f"/config-groups/{source}/hadoop", [("core-site.xml", CORE_SITE)]).status == 200
    upload(platform, f"/config-groups/{source}/kerberos/files", [("etl.keytab", keytab("etl@EXAMPLE.COM"))])
    call(
        platform,
        "PUT",
        f"/config-groups/{source}/spark",
        json_body={"arguments": {"master": "yarn", "queue": "etl"}, "confs": {"spark.x.y": "1"}},
        expected=(200,),
    )

    clone = unique("copy")
    copied = call(platform, "POST", f"/config-groups/{source}/clone", json_body={"name": clone})
    assert copied.status == 201, copied.body
    detail = copied.json()
    assert detail["name"] == clone and detail["is_default"] is False
    assert detail["spark"] == {"arguments": {"master": "yarn", "queue": "etl"}, "confs": {"spark.x.y": "1"}}
    assert [f["name"] for f in detail["hadoop"]["files"]] == ["core-site.xml"]
    assert [k["principals"] for k in detail["kerberos"]["keytabs"]] == [["etl@EXAMPLE.COM"]]

    renamed = unique("renamed")
    resp = call(platform, "PATCH", f"/config-groups/{clone}", json_body={"name": renamed})
    assert resp.status == 200 and resp.json()["name"] == renamed
    assert call(platform, "GET", f"/config-groups/{clone}").status == 404
    assert _airflow_connection(platform, f"wfo_config_group_{clone}")[0] == 404
    assert _airflow_connection(platform, f"wfo_config_group_{renamed}")[0] == 200

    try:
        assert call(platform, "POST", f"/config-groups/{renamed}/default", user="op_user").status == 200
        groups = call(platform, "GET", "/config-groups").json()["groups"]
        assert [g["name"] for g in groups if g["is_default"]] == [renamed]
        index = json.loads(_airflow_connection(platform, "wfo_config_groups")[1]["extra"])
        assert index["default"] == renamed and renamed in index["groups"]
        refused = call(platform, "DELETE", f"/config-groups/{renamed}")
        assert refused.status == 409 and "default" in refused.json()["detail"]
    finally:
        call(platform, "POST", "/config-groups/default/default", expected=(200,))

    assert call(platform, "DELETE", "/config-groups/default").status == 409
    assert call(platform, "DELETE", f"/config-groups/{renamed}", user="op_user").status == 204
    assert call(platform, "GET", f"/config-groups/{renamed}").status == 404
    assert _airflow_connection(platform, f"wfo_config_group_{renamed}")[0] == 404
    assert call(platform, "DELETE", f"/config-groups/{renamed}").status == 404

    for action, object_id in [
        ("config_group.create", source),
        ("config_group.clone", clone),
        ("config_group.rename", clone),
        ("config_group.set_default", renamed),
        ("config_group.delete", renamed),
    ]:
        events = audit_events(platform, action)
        assert any(e["object_id"] == object_id and e["outcome"] == "success" for e in events), action
    failures = audit_events(platform, "config_group.delete")
    assert any(e["object_id"] == "default" and e["outcome"] == "failure" for e in failures)


def test_roles_without_rights_are_refused_and_audited(platform: Platform) -> None:
    name = unique("denied")
    for user in ("dev_user", "viewer_user", "plain_user"):
        assert call(platform, "POST", "/config-groups", user=user, json_body={"name": name}).status == 403
    assert call(platform, "GET", f"/config-groups/{name}").status == 404
    assert call(platform, "GET", "/config-groups", user="public_user").status == 403
    events = call(platform, "GET", "/audit/events?user=dev_user&limit=100").json()["events"]
    assert any(e["outcome"] == "denied" and "/config-groups" in e["action"] for e in events)


def test_published_connection_carries_the_whole_group(platform: Platform) -> None:
    name = make_group(platform, "pub")
    upload(platform, f"/config-groups/{name}/hadoop", [("core-site.xml", CORE_SITE)])
    status, conn = _airflow_connection(platform, f"wfo_config_group_{name}")
    assert status == 200 and conn["conn_type"] == "wfo-config-group"
    snapshot = json.loads(conn["extra"])
    assert snapshot["format"] == 1 and snapshot["name"] == name
    assert snapshot["spark"]["arguments"] == {"master": "local[*]"}
    assert "fs.defaultFS" in snapshot["hadoop_files"]["core-site.xml"]


SNAPSHOT_DAG = """
import json
from airflow.sdk import dag, task

@dag(dag_id="wfo_test_group_snapshot", schedule=None, catchup=False)
def group_snapshot():
    @task
    def dump():
        from wfo.clusters.published import load_group_snapshot

        result = {{}}
        for key, name in (("named", {name!r}), ("default", None)):
            snap = load_group_snapshot(name)
            result[key] = {{
                "name": snap["name"],
                "master": snap["spark"]["arguments"].get("master"),
                "hadoop": sorted(snap["hadoop_files"]),
                "keytabs": sorted(snap["keytabs"]),
                "livy_password": snap["livy"]["python"]["password"],
            }}
        with open({out!r}, "w") as fh:
            json.dump(result, fh)

    dump()

group_snapshot()
"""


RFC3986_WARNING = "shall not contain '_' according to RFC3986"


def test_a_task_reads_the_group_from_its_connection(platform: Platform, tmp_path: Path) -> None:
    api_log = platform.home / "logs" / "wfo" / "api-server.log"
    log_start = api_log.stat().st_size
    name = make_group(platform, "task")
    upload(platform, f"/config-groups/{name}/hadoop", [("core-site.xml", CORE_SITE)])
    upload(platform, f"/config-groups/{name}/kerberos/files", [("svc.keytab", keytab("svc@EXAMPLE.COM"))])
    call(
        platform,
        "PUT",
        f"/config-groups/{name}/spark",
        json_body={"arguments": {"master": "yarn"}},
        expected=(200,),
    )
    livy = {
        "python": {"url": "http://livy:8998", "auth": "Basic_Access", "username": "u", "password": "pw-1"}
    }
    call(platform, "PUT", f"/config-groups/{name}/livy", json_body=livy, expected=(200,))

    call(platform, "POST", "/config-groups/default/default", expected=(200,))
    out = tmp_path / "snapshot.json"
    platform.deploy_dag("wfo_test_group_snapshot.py", SNAPSHOT_DAG.format(name=name, out=str(out)))
    assert platform.trigger_and_wait("wfo_test_group_snapshot") == "success"

    result = json.loads(out.read_text())
    assert result["named"] == {
        "name": name,
        "master": "yarn",
        "hadoop": ["core-site.xml"],
        "keytabs": ["svc.keytab"],
        "livy_password": "pw-1",
    }
    assert result["default"]["name"] == "default" and result["default"]["master"] == "local[*]"
    # Neither the changes nor the task's reads (Airflow turns each connection it serves into a URI) made
    # Airflow warn about the connections' type: wfo's is a valid URI scheme.
    with api_log.open("rb") as handle:
        handle.seek(log_start)
        logged = handle.read().decode("utf-8", "replace")
    assert f"/execution/connections/wfo_config_group_{name}" in logged, "the window holds the task's reads"
    assert RFC3986_WARNING not in logged


def _platform_db(platform: Platform) -> Engine:
    parser = configparser.RawConfigParser()
    parser.read(platform.home / "airflow.cfg")
    return create_engine(parser.get("database", "sql_alchemy_conn"))


def test_a_row_with_an_invalid_name_breaks_no_listing_and_start_up_repairs_it(platform: Platform) -> None:
    # Issue 10 item 8: a name ending in "\n" (allowed by an older `^...$` check) made GET /api/configs/
    # answer 500 for everyone. Such a row, written straight into the table:
    stem = unique("badname")
    engine = _platform_db(platform)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO wfo_config_group (name, is_default, spark_arguments, spark_confs, livy,"
                " created_at, updated_at) SELECT :name, :no, spark_arguments, spark_confs, '{}',"
                " created_at, updated_at FROM wfo_config_group WHERE name = 'default'"
            ),
            {"name": stem + "\n", "no": False},
        )
        row_id = db.execute(text("SELECT id FROM wfo_config_group WHERE name = :n"), {"n": stem + "\n"})
        row_id = row_id.scalar()
    engine.dispose()

    listed = call(platform, "GET", "/config-groups", user="viewer_user")
    assert listed.status == 200 and stem + "\n" in [g["name"] for g in listed.json()["groups"]]
    export = platform.request("GET", "/api/configs/", token=platform.token())
    assert export.status == 200 and stem.encode() not in export.body  # left out, not a 500

    # Connections as an earlier wfo published them, of the type `wfo_config_group`.
    engine = _platform_db(platform)
    with engine.begin() as db:
        db.execute(
            text(
                "UPDATE connection SET conn_type = 'wfo_config_group' WHERE conn_id LIKE 'wfo_config_group%'"
            )
        )
    engine.dispose()

    # The init step of `wfo up` renames it to a valid name and publishes it under that name (and every
    # connection of wfo's under the current type).
    env = {**platform.env(), "AIRFLOW_HOME": str(platform.home)}
    env["AIRFLOW_CONFIG"] = str(platform.home / "airflow.cfg")
    script = "import json; from wfo.cli.initialize import seed_config_groups as s; print(json.dumps(s()))"
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    repaired = f"{stem}-repaired-{row_id}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["config_groups_renamed_invalid_names"] == {stem + "\n": repaired}
    assert call(platform, "GET", f"/config-groups/{repaired}").json()["is_default"] is False
    assert _airflow_connection(platform, f"wfo_config_group_{repaired}")[0] == 200
    engine = _platform_db(platform)
    with engine.begin() as db:
        types = db.execute(
            text("SELECT DISTINCT conn_type FROM connection WHERE conn_id LIKE 'wfo_config_group%'")
        )
        assert [row[0] for row in types] == ["wfo-config-group"]
    engine.dispose()
    assert call(platform, "DELETE", f"/config-groups/{repaired}").status == 204
