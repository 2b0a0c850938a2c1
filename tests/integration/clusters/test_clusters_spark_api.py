"""The Spark section: validation, choices from the Spark dependencies repository, and who may change what."""

from __future__ import annotations

import pytest
from config_group_helpers import audit_events, call, keytab, make_group, upload

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dependencies(platform: Platform) -> list[str]:
    # Written straight into the store the Spark dependencies repository uses (spark-dependencies/<name>).
    folder = platform.home / "store" / "spark-dependencies"
    folder.mkdir(parents=True, exist_ok=True)
    names = ["wfo-test-lib.jar", "wfo-test-helpers.py", "wfo-test-bundle.zip"]
    for name in names:
        (folder / name).write_bytes(b"PK" + name.encode())
    return names


def _put(platform: Platform, group: str, user: str = "admin", **body: object):  # type: ignore[no-untyped-def]
    return call(platform, "PUT", f"/config-groups/{group}/spark", user=user, json_body=body)


def test_read_shows_settings_choices_and_known_arguments(platform: Platform, dependencies: list[str]) -> None:
    group = make_group(platform, "spark")
    upload(platform, f"/config-groups/{group}/kerberos/files", [("etl.keytab", keytab("etl@EX.COM"))])
    spark = call(platform, "GET", f"/config-groups/{group}/spark", user="viewer_user").json()
    assert spark["arguments"] == {"master": "local[*]"} and spark["confs"] == {}
    assert spark["spark_home"] is None
    assert "wfo-test-lib.jar" in spark["choices"]["jars"]
    assert {"wfo-test-helpers.py", "wfo-test-bundle.zip"} <= set(spark["choices"]["py-files"])
    assert "wfo-test-lib.jar" not in spark["choices"]["py-files"]
    assert spark["choices"]["keytab"] == ["etl.keytab"]
    known = {a["name"]: a for a in spark["known_arguments"]}
    assert known["jars"]["code"] is True and known["master"]["code"] is False
    assert known["executor-memory"]["kind"] == "memory"
    # The allow-list of tuning confs the UI marks code settings with (code_conf_patterns is gone).
    tuning = {rule["key"]: rule for rule in spark["tuning_confs"]}
    assert "code_conf_patterns" not in spark
    assert tuning["spark.io.compression.codec"]["pattern"] == "lz4|lzf|snappy|zstd"
    assert tuning["spark.executor.memory"]["expected"] == "a size like 512m, 2g or 64k"
    assert not {"spark.pyspark.python", "spark.eventLog.dir", "spark.plugins"} & set(tuning)


def test_invalid_settings_are_refused_naming_the_key(platform: Platform, dependencies: list[str]) -> None:
    group = make_group(platform, "invalid")
    cases = [
        ({"arguments": {"mastr": "yarn"}}, "mastr"),
        ({"arguments": {"executor-memory": "2 GB"}}, "executor-memory"),
        ({"arguments": {"num-executors": "many"}}, "num-executors"),
        ({"arguments": {"jars": ["missing.jar"]}}, "Spark dependencies repository"),
        ({"arguments": {"keytab": "nope.keytab"}}, "keytab"),
        ({"confs": {"fs.defaultFS": "hdfs://x"}}, "spark.hadoop.fs.defaultFS"),
        ({"arguments": {"master": "yarn"}, "spark_home": "relative/spark"}, "absolute"),
    ]
    for body, expected in cases:
        resp = _put(platform, group, **body)
        assert resp.status == 422, (body, resp.body)
        assert expected in resp.json()["detail"], (body, resp.json())
    assert call(platform, "GET", f"/config-groups/{group}/spark").json()["arguments"] == {
        "master": "local[*]"
    }


def test_op_changes_cluster_settings_but_not_code(platform: Platform, dependencies: list[str]) -> None:
    group = make_group(platform, "op")
    ok = _put(
        platform,
        group,
        user="op_user",
        arguments={"master": "yarn", "executor-memory": "2g"},
        confs={"spark.scheduler.mode": "FAIR"},
    )
    assert ok.status == 200, ok.body
    assert ok.json()["arguments"] == {"master": "yarn", "executor-memory": "2g"}

    for body in (
        {
            "arguments": {"master": "yarn", "executor-memory": "2g", "jars": ["wfo-test-lib.jar"]},
            "confs": {"spark.scheduler.mode": "FAIR"},
        },
        {
            "arguments": {"master": "yarn", "executor-memory": "2g"},
            "confs": {"spark.scheduler.mode": "FAIR", "spark.pyspark.python": "/opt/py/bin/python"},
        },
        {
            "arguments": {"master": "yarn", "executor-memory": "2g"},
            "confs": {"spark.scheduler.mode": "FAIR", "spark.driver.extraJavaOptions": "-Dx=1"},
        },
        {
            "arguments": {"master": "yarn", "executor-memory": "2g"},
            "confs": {"spark.scheduler.mode": "FAIR"},
            "spark_home": "/opt/spark-3.5",
        },
    ):
        denied = _put(platform, group, user="op_user", **body)
        assert denied.status == 403, (body, denied.body)
        assert "WFO Cluster Code Settings" in denied.json()["detail"]
    events = audit_events(platform, "config_group.spark.update", limit=100)
    assert any(
        e["user"] == "op_user" and e["outcome"] == "denied" and e["object_id"] == group for e in events
    )
    assert call(platform, "GET", f"/config-groups/{group}/spark").json()["confs"] == {
        "spark.scheduler.mode": "FAIR"
    }


def test_developer_changes_code_settings_but_not_cluster_settings(
    platform: Platform, dependencies: list[str]
) -> None:
    group = make_group(platform, "dev")
    body = {
        "arguments": {"master": "local[*]", "jars": ["wfo-test-lib.jar"], "py-files": "wfo-test-helpers.py"},
        "confs": {"spark.pyspark.python": "/opt/py/bin/python"},
        "spark_home": "/opt/spark-3.5",
    }
    ok = _put(platform, group, user="dev_user", **body)
    assert ok.status == 200, ok.body
    assert ok.json()["arguments"]["py-files"] == ["wfo-test-helpers.py"]
    assert ok.json()["spark_home"] == "/opt/spark-3.5"

    denied = _put(
        platform, group, user="dev_user", **{**body, "arguments": {**body["arguments"], "master": "yarn"}}
    )
    assert denied.status == 403 and "WFO Config Groups" in denied.json()["detail"]
    both = _put(platform, group, user="admin", **{**body, "arguments": {"master": "yarn"}, "confs": {}})
    assert both.status == 200 and both.json()["arguments"] == {"master": "yarn"}
    for user in ("viewer_user", "plain_user"):
        assert _put(platform, group, user=user, arguments={"master": "yarn"}).status == 403
    assert (
        call(platform, "PUT", f"/config-groups/{group}/spark", user="public_user", json_body={}).status == 403
    )
