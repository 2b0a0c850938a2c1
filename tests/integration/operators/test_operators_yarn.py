"""The YARN/Kerberos path without a cluster: the exact spark-submit command and environment, and YARN
tracking end to end against a ResourceManager REST double (RUNNING → FINISHED/FAILED/KILLED)."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wfo.clusters.signing import ensure_signing_key, load_private_key, sign
from wfo.storage.xml import Property, render_hadoop_conf

from helpers.yarn_double import APP_ID, ResourceManager, fake_spark_home, resource_manager

pytestmark = pytest.mark.integration
KEYTAB = b"\x05\x02fake-keytab-bytes"


def _snapshot(spark_home: Path, rm_address: str) -> dict[str, Any]:
    site = lambda props: render_hadoop_conf([Property(k, v) for k, v in props.items()]).decode()  # noqa: E731
    return {
        "format": 1,
        "name": "yarnlab",
        "is_default": False,
        "spark_home": str(spark_home),
        "spark": {
            "arguments": {
                "master": "yarn",
                "deploy-mode": "cluster",
                "queue": "etl",
                "executor-memory": "2g",
                "num-executors": "3",
                "keytab": "etl.keytab",
            },
            "confs": {"spark.dynamicAllocation.enabled": "false"},
        },
        "hadoop_files": {
            "core-site.xml": site({"fs.defaultFS": "hdfs://nn:8020"}),
            "hdfs-site.xml": site({"dfs.replication": "2"}),
            "yarn-site.xml": site({"yarn.resourcemanager.webapp.address": rm_address}),
        },
        "krb5_conf": "[libdefaults]\n default_realm = LAB.EXAMPLE\n",
        "kerberos": {"principal": "etl@LAB.EXAMPLE", "keytab": "etl.keytab"},
        "keytabs": {"etl.keytab": base64.b64encode(KEYTAB).decode()},
        "livy": {},
    }


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from wfo.repositories.code_artifacts import CodeArtifacts
    from wfo.repositories.files import Upload
    from wfo.settings import get_settings
    from wfo.storage.objectstore import ObjectStore

    monkeypatch.setenv("WFO_HOME", str(tmp_path / "home"))
    # Tasks accept only groups signed by the instance's key (wfo.clusters.signing).
    monkeypatch.setenv("WFO_SIGNING_PUBLIC_KEY", ensure_signing_key(tmp_path / "home"))
    monkeypatch.setenv("WFO_OBJECT_STORE_URL", (tmp_path / "store").as_uri())
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    get_settings.cache_clear()
    store = ObjectStore.from_settings()
    CodeArtifacts(store).upload([Upload("etl_job.py", io.BytesIO(b"print('job')\n"))], "tester")
    yield tmp_path
    get_settings.cache_clear()


def _run(workspace: Path, monkeypatch: pytest.MonkeyPatch, rm: ResourceManager) -> dict[str, Any]:
    from airflow.sdk import DAG

    from wfo.operators import CouturePySparkOperator

    record = workspace / "submit.json"
    spark_home = fake_spark_home(workspace / "spark", record)
    with resource_manager(rm) as address:
        key = load_private_key(workspace / "home")
        signed = sign(key, "wfo_config_group_yarnlab", _snapshot(spark_home, address))
        conn = {"conn_type": "wfo-config-group", "extra": signed}
        monkeypatch.setenv("AIRFLOW_CONN_WFO_CONFIG_GROUP_YARNLAB", json.dumps(conn))
        with DAG("yarn_dag", schedule=None):
            op = CouturePySparkOperator(
                task_id="load",
                method_id="Load",
                code_artifact="etl_job.py",
                config_group="yarnlab",
                app_name="EtlJob",
                method_args_dict={"day": "2024-01-01"},
                conf={"spark.executor.cores": "2"},
            )
        try:
            op.execute({})
        finally:
            result = json.loads(record.read_text()) if record.exists() else {}
            result["leftover"] = sorted(str(p) for p in (workspace / "tmp").iterdir())
    return result


def test_yarn_cluster_submit_command_environment_and_success(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rm = ResourceManager([("RUNNING", "UNDEFINED"), ("FINISHED", "SUCCEEDED")])
    result = _run(workspace, monkeypatch, rm)
    argv = result["argv"]

    def value(flag: str) -> str:
        return str(argv[argv.index(flag) + 1])

    confs = {
        argv[i + 1].split("=", 1)[0]: argv[i + 1].split("=", 1)[1]
        for i, a in enumerate(argv)
        if a == "--conf"
    }
    assert value("--master") == "yarn" and value("--deploy-mode") == "cluster" and value("--queue") == "etl"
    assert (
        value("--executor-memory") == "2g" and value("--num-executors") == "3" and value("--name") == "EtlJob"
    )
    assert value("--principal") == "etl@LAB.EXAMPLE"
    assert confs["spark.workflow.taskId"] == "load" and confs["spark.workflow.dagId"] == "yarn_dag"
    assert confs["spark.executor.cores"] == "2" and confs["spark.dynamicAllocation.enabled"] == "false"
    assert confs["spark.yarn.submit.waitAppCompletion"] == "false"  # tracked through the RM instead
    # The application and its single argument, the Couture payload.
    assert argv[-2].endswith("/etl_job.py")
    assert json.loads(argv[-1]) == {
        "method_id": "Load",
        "dag_id": "yarn_dag",
        "method_args_dict": {"day": "2024-01-01"},
    }
    # Environment: the group's Hadoop XML and krb5.conf, a private 0600 keytab with the group's bytes.
    assert result["hadoop_files"] == ["core-site.xml", "hdfs-site.xml", "yarn-site.xml"]
    assert result["env"]["HADOOP_CONF_DIR"] == result["env"]["YARN_CONF_DIR"]
    assert result["env"]["KRB5_CONFIG"].endswith("krb5.conf")
    assert result["keytab_mode"] == "0o600" and bytes.fromhex(result["keytab_bytes"]) == KEYTAB
    # YARN tracking went through the ResourceManager REST API until the final state.
    assert rm.requests.count(f"GET /ws/v1/cluster/apps/{APP_ID}") >= 2
    # The private directory (XML, krb5.conf, keytab, fetched artifact) is gone.
    assert result["leftover"] == []


@pytest.mark.parametrize(
    ("states", "reason"),
    [
        ([("RUNNING", "UNDEFINED"), ("FAILED", "FAILED")], "FAILED"),
        ([("RUNNING", "UNDEFINED"), ("KILLED", "KILLED")], "KILLED"),
    ],
)
def test_yarn_failure_fails_the_task_and_cleans_up(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, states: list[tuple[str, str]], reason: str
) -> None:
    rm = ResourceManager(states, diagnostics="Container killed on request. Exit code is 137")
    with pytest.raises(RuntimeError, match=reason) as info:
        _run(workspace, monkeypatch, rm)
    assert "Exit code is 137" in str(info.value)
    assert not any((workspace / "tmp").iterdir())


def test_private_directory_is_not_world_readable(tmp_path: Path) -> None:
    from wfo.clusters.render import render_group

    snapshot = _snapshot(tmp_path, "127.0.0.1:1")
    snapshot["spark"]["arguments"] = {"master": "yarn", "keytab": "etl.keytab"}
    with render_group(snapshot, base_dir=tmp_path) as rendered:
        assert stat.S_IMODE(os.stat(rendered.directory).st_mode) == 0o700
        assert rendered.keytab is not None and stat.S_IMODE(os.stat(rendered.keytab).st_mode) == 0o600
