"""Task processes get what Spark needs (PATH, SPARK_HOME, PYSPARK_PYTHON) and never the DB URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.platform_runner import Platform, env_dump_dag

pytestmark = pytest.mark.integration


def test_task_gets_spark_and_no_database_url(platform: Platform, tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    platform.deploy_dag("wfo_test_env_dump.py", env_dump_dag("wfo_test_env_dump", out))
    assert platform.trigger_and_wait("wfo_test_env_dump") == "success"
    env = json.loads(out.read_text())

    db_url = platform.config_value("database", "sql_alchemy_conn")
    assert db_url, "the instance must have a DB URL to hide"
    leaked = [name for name, value in env.items() if db_url in value or "airflow.db" in value]
    assert not leaked, f"the DB URL reached the task through {leaked}"
    assert "WFO_ADMIN_PASSWORD" not in env

    spark_submit = Path(env["SPARK_HOME"]) / "bin" / "spark-submit"
    assert spark_submit.is_file()
    assert Path(env["PYSPARK_PYTHON"]).name.startswith("python")
    assert str(Path(env["PYSPARK_PYTHON"]).parent) in env["PATH"].split(":")
