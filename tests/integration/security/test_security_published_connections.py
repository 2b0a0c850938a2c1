"""Issue 10 item 2, the exploit as the test: the published connection of a config group is not a side door.

An Op edited `wfo_config_group_default` through Airflow's connections API and the next Spark task ran the
injected conf. Now non-Admin writes to wfo-managed connections are refused (every write route), and a
snapshot changed outside wfo, even by an Admin or straight in the database, is refused by the task.
"""

from __future__ import annotations

import configparser
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.platform_runner import Platform, Response, role_password

pytestmark = pytest.mark.integration
DEFAULT_CONN = "wfo_config_group_default"
SPARK_TIMEOUT = 420.0
REPUBLISH = "republish it from wfo (any change in the Config groups page, or restart `wfo up`)"


def _as(platform: Platform, user: str, method: str, path: str, **kwargs: Any) -> Response:
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(method, path, token=platform.token(user, password), **kwargs)


def _connection(platform: Platform, conn_id: str) -> Response:
    return _as(platform, "admin", "GET", f"/api/v2/connections/{conn_id}")


def _with_conf(conn: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    extra = json.loads(conn["extra"])
    extra["spark"]["confs"][key] = value
    return {
        "connection_id": conn["connection_id"],
        "conn_type": conn["conn_type"],
        "extra": json.dumps(extra),
    }


def _object_store_conn_id(platform: Platform) -> str:
    parser = configparser.RawConfigParser()
    parser.read(platform.home / "airflow.cfg")
    return parser.get("wfo", "object_store_conn_id")


def _refused(response: Response, conn_id: str) -> None:
    assert response.status == 403, response.body[:500]
    detail = response.json()["detail"]
    assert conn_id in detail and "only Admin" in detail


def test_op_cannot_patch_a_published_group(platform: Platform) -> None:
    before = _connection(platform, DEFAULT_CONN).json()
    body = _with_conf(before, "spark.driver.extraJavaOptions", "-javaagent:/tmp/op.jar")
    response = _as(platform, "op_user", "PATCH", f"/api/v2/connections/{DEFAULT_CONN}", json_body=body)
    _refused(response, DEFAULT_CONN)
    assert "Config groups page" in response.json()["detail"]
    assert _connection(platform, DEFAULT_CONN).json() == before
    _refused(_as(platform, "op_user", "DELETE", f"/api/v2/connections/{DEFAULT_CONN}"), DEFAULT_CONN)
    _refused(_as(platform, "op_user", "DELETE", "/api/v2/connections/wfo_config_groups"), "wfo_config_groups")
    assert _connection(platform, "wfo_config_groups").status == 200


def test_op_cannot_reach_a_published_group_through_the_bulk_route(platform: Platform) -> None:
    before = _connection(platform, DEFAULT_CONN).json()
    mine = f"op_bulk_{uuid.uuid4().hex[:8]}"
    body = {
        "actions": [
            {"action": "create", "entities": [{"connection_id": mine, "conn_type": "http"}]},
            {
                "action": "update",
                "entities": [_with_conf(before, "spark.driver.extraJavaOptions", "-javaagent:/tmp/op.jar")],
            },
        ]
    }
    _refused(_as(platform, "op_user", "PATCH", "/api/v2/connections", json_body=body), DEFAULT_CONN)
    delete = {"actions": [{"action": "delete", "entities": ["wfo_config_groups"]}]}
    _refused(_as(platform, "op_user", "PATCH", "/api/v2/connections", json_body=delete), "wfo_config_groups")
    # All or nothing: the ordinary connection of the refused request was not created either.
    assert _connection(platform, DEFAULT_CONN).json() == before
    assert _connection(platform, mine).status == 404


def test_op_cannot_create_a_group_connection_or_commit_one_through_a_test(platform: Platform) -> None:
    for conn_id, conn_type in [
        ("wfo_config_group_x", "wfo-config-group"),
        ("WFO_CONFIG_GROUP_shadow", "wfo-config-group"),
        ("wfo_config_group_y", "wfo_config_group"),  # the type wfo published under before
    ]:
        body = {"connection_id": conn_id, "conn_type": conn_type, "extra": '{"name": "x"}'}
        _refused(_as(platform, "op_user", "POST", "/api/v2/connections", json_body=body), conn_id)
        assert _connection(platform, conn_id).status == 404
    for conn_type in ("wfo-config-group", "wfo_config_group"):
        test = {"connection_id": DEFAULT_CONN, "conn_type": conn_type, "commit_on_success": True}
        enqueued = _as(platform, "op_user", "POST", "/api/v2/connections/enqueue-test", json_body=test)
        _refused(enqueued, DEFAULT_CONN)


@pytest.mark.parametrize("conn_type", ["wfo-config-group", "wfo_config_group", "WFO-Config-Group"])
def test_op_cannot_write_a_connection_of_wfos_type_under_another_id(
    platform: Platform, conn_type: str
) -> None:
    # wfo's type, now or as published before (also the spelling Airflow reads back from a URI): a
    # look-alike of a published group under an id of the caller's choosing is refused too.
    conn_id = f"op_lookalike_{uuid.uuid4().hex[:8]}"
    body = {"connection_id": conn_id, "conn_type": conn_type, "extra": '{"name": "default"}'}
    for method, path, json_body in [
        ("POST", "/api/v2/connections", body),
        ("PATCH", "/api/v2/connections", {"actions": [{"action": "create", "entities": [body]}]}),
    ]:
        refused = _as(platform, "op_user", method, path, json_body=json_body)
        assert refused.status == 403, refused.body[:500]
        detail = refused.json()["detail"]
        assert f"connection type {conn_type!r} is wfo's" in detail and "only Admin" in detail
        assert _connection(platform, conn_id).status == 404
    # An ordinary connection of the same caller becomes wfo's type by a PATCH neither.
    ordinary = {"connection_id": conn_id, "conn_type": "http", "host": "reports.example"}
    assert _as(platform, "op_user", "POST", "/api/v2/connections", json_body=ordinary).status == 201
    try:
        moved = {**ordinary, "conn_type": conn_type}
        patched = _as(platform, "op_user", "PATCH", f"/api/v2/connections/{conn_id}", json_body=moved)
        assert patched.status == 403, patched.body[:500]
        assert _connection(platform, conn_id).json()["conn_type"] == "http"
    finally:
        _as(platform, "admin", "DELETE", f"/api/v2/connections/{conn_id}", expected=(204,))


def test_the_object_store_connection_is_protected_when_configured(platform: Platform) -> None:
    store = _object_store_conn_id(platform)
    assert store, "the session platform names an object-store connection (tests/conftest.py)"
    body = {"connection_id": store, "conn_type": "aws", "host": "https://attacker.example"}
    _refused(_as(platform, "op_user", "POST", "/api/v2/connections", json_body=body), store)
    assert _connection(platform, store).status == 404
    created = _as(platform, "admin", "POST", "/api/v2/connections", json_body={**body, "host": "s3.internal"})
    assert created.status == 201, created.body[:300]
    try:
        patch = {**body, "host": "https://attacker.example"}
        _refused(_as(platform, "op_user", "PATCH", f"/api/v2/connections/{store}", json_body=patch), store)
        assert _connection(platform, store).json()["host"] == "s3.internal"
    finally:
        _as(platform, "admin", "DELETE", f"/api/v2/connections/{store}", expected=(204,))


def test_refusals_need_a_login_and_are_audited(platform: Platform) -> None:
    body = {"connection_id": "wfo_config_group_anon", "conn_type": "wfo-config-group"}
    assert platform.request("POST", "/api/v2/connections", json_body=body).status == 401
    assert platform.request("POST", "/api/v2/connections", json_body=body, token="not-a-jwt").status == 401
    refused = _as(platform, "op_user", "POST", "/api/v2/connections", json_body=body)
    _refused(refused, "wfo_config_group_anon")
    events = _as(platform, "admin", "GET", "/wfo/api/v1/audit/events?user=op_user&limit=100").json()["events"]
    assert any(
        (e["action"], e["object_id"], e["outcome"]) == ("connection.write", "wfo_config_group_anon", "denied")
        for e in events
    )


def test_op_still_manages_ordinary_connections(platform: Platform) -> None:
    conn_id = f"op_reporting_{uuid.uuid4().hex[:8]}"
    body = {"connection_id": conn_id, "conn_type": "http", "host": "reports.example", "extra": '{"a": 1}'}
    assert _as(platform, "op_user", "POST", "/api/v2/connections", json_body=body).status == 201
    moved = {**body, "host": "r2.example"}
    patched = _as(platform, "op_user", "PATCH", f"/api/v2/connections/{conn_id}", json_body=moved)
    assert patched.status == 200 and patched.json()["host"] == "r2.example"
    bulk = {"actions": [{"action": "delete", "entities": [conn_id]}]}
    done = _as(platform, "op_user", "PATCH", "/api/v2/connections", json_body=bulk)
    assert done.status == 200 and done.json()["delete"]["success"] == [conn_id]
    assert _connection(platform, conn_id).status == 404


# --- the marker-file chain ------------------------------------------------------------------------------


# The cheapest Spark task on the default group: spark-submit starts the driver's JVM (which writes the
# marker when the group's conf reaches it), the script itself does no Spark work.
DRIVER_JOB = b'print("the driver ran")\n'
DRIVER_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_group_snapshot_chain", schedule=None, catchup=False):
    PySparkOperator(task_id="driver", code_artifact="wfo_test_driver_job.py", retries=0)
"""


@pytest.fixture(scope="module")
def driver_dag(platform: Platform) -> str:
    assert (
        platform.upload("/wfo/api/v1/code-artifacts", [("wfo_test_driver_job.py", DRIVER_JOB)]).status == 200
    )
    platform.deploy_dag("wfo_test_group_snapshot_chain.py", DRIVER_DAG)
    return "wfo_test_group_snapshot_chain"


@pytest.fixture
def default_spark(platform: Platform) -> Iterator[dict[str, Any]]:
    """The default group's Spark section; put back through wfo afterwards (which republishes it)."""
    path = "/wfo/api/v1/config-groups/default/spark"
    section = _as(platform, "admin", "GET", path, expected=(200,)).json()
    original = {k: section[k] for k in ("arguments", "confs", "spark_home")}
    yield original
    _as(platform, "admin", "PUT", path, json_body=original, expected=(200,))


def test_a_snapshot_changed_outside_wfo_never_runs(
    platform: Platform, default_spark: dict[str, Any], driver_dag: str, tmp_path: Path
) -> None:
    marker = tmp_path / "driver-started.log"
    # The JVM creates this file as it starts: visible proof that a conf of the group reached spark-submit.
    option = f"-Xlog:gc:file={marker}"

    # An Admin (or anyone with database access) writes the connection by hand: Airflow accepts it ...
    tampered = _with_conf(_connection(platform, DEFAULT_CONN).json(), "spark.driver.extraJavaOptions", option)
    written = _as(platform, "admin", "PATCH", f"/api/v2/connections/{DEFAULT_CONN}", json_body=tampered)
    assert written.status == 200, written.body[:300]
    assert option in _connection(platform, DEFAULT_CONN).json()["extra"]

    # ... and the task refuses it before anything runs.
    run_id = platform.trigger(driver_dag)
    assert platform.wait_for_run(driver_dag, run_id, timeout=SPARK_TIMEOUT) == "failed"
    log = platform.task_log(driver_dag, run_id, "driver")
    assert "config group 'default' was refused" in log and "changed outside wfo" in log
    assert REPUBLISH in log
    assert not marker.exists()

    # Republished through wfo (an Admin may set code confs there), the same conf runs: the marker was a
    # real detector, and a republish repairs the group.
    confs = {**default_spark["confs"], "spark.driver.extraJavaOptions": option}
    _as(
        platform,
        "admin",
        "PUT",
        "/wfo/api/v1/config-groups/default/spark",
        json_body={**default_spark, "confs": confs},
        expected=(200,),
    )
    assert platform.trigger_and_wait(driver_dag, timeout=SPARK_TIMEOUT) == "success"
    assert marker.exists()
