"""The Spark operators running real local Spark (pyspark's) on the session platform's default group."""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from pathlib import Path

import pytest

from helpers.platform_runner import Platform, instance_commands

pytestmark = pytest.mark.integration
SPARK_TIMEOUT = 420.0
EXAMPLES_INPUT = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples" / "data"


def _data(platform: Platform) -> Path:
    return platform.home / "examples-data"


def _part_text(folder: Path) -> str:
    parts = sorted(folder.glob("part-*"))
    assert parts, f"no part files in {folder}"
    return "".join(p.read_text() for p in parts)


# ExampleSchemaGeneration runs once in the suite, as the child of the manual's master DAG: its outputs are
# checked in tests/integration/dagfiles/test_dagfiles_manual_master_dag.py.


def test_example_spark_pi_jvm(platform: Platform) -> None:
    report = _data(platform) / "output" / "spark_pi.json"
    report.unlink(missing_ok=True)
    assert platform.trigger_and_wait("ExampleSparkPi", timeout=SPARK_TIMEOUT) == "success"
    result = json.loads(report.read_text())
    assert abs(result["pi"] - 3.1416) < 0.05 and result["slices"] == 2
    assert (result["app_name"], result["task_id"], result["dag_id"]) == (
        "ExampleSparkPi",
        "SparkPi",
        "ExampleSparkPi",
    )


def test_two_task_couture_pipeline(platform: Platform) -> None:
    assert platform.trigger_and_wait("PySpark", timeout=SPARK_TIMEOUT) == "success"
    expected: dict[int, list[int]] = defaultdict(list)
    with open(EXAMPLES_INPUT / "ratings.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            expected[int(row["user_id"])].append(int(row["rating"]))
    history = list(
        csv.DictReader(_part_text(_data(platform) / "output" / "pyspark" / "history").splitlines())
    )
    assert len(history) == len(expected)
    for row in history:
        ratings = expected[int(row["user_id"])]
        assert int(row["ratings"]) == len(ratings)
        assert float(row["average_rating"]) == pytest.approx(sum(ratings) / len(ratings), abs=1e-3)


PROBE = b"""
import json, os, sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
conf = spark.sparkContext.getConf()
record = {
    "argv": sys.argv[1:],
    "python": sys.executable,
    "confs": {k: conf.get(k, None) for k in ("spark.workflow.taskId", "spark.workflow.dagId",
                                             "spark.sql.shuffle.partitions", "spark.pyspark.python")},
    "app_name": conf.get("spark.app.name"),
    "rows": spark.range(10).count(),
}
with open(sys.argv[-1], "w") as fh:
    json.dump(record, fh)
spark.stop()
"""

PROBE_DAG = """
import sys
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_pyspark_probe", schedule=None, catchup=False) as dag:
    PySparkOperator(
        task_id="probe",
        method_id="probe",
        app_name="Probe {{ dag_run.conf['label'] }}",
        code_artifact="probe_job.py",
        application_arguments=["{{ dag_run.conf['label'] }}", "--flag", OUT_PATH],
        conf={"spark.sql.shuffle.partitions": "3"},
        python_conf=sys.executable,
        description="Probe what a PySpark job receives",
    )
"""


def test_pyspark_operator_templated_arguments_and_conf_overrides(platform: Platform, tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    platform.upload("/wfo/api/v1/code-artifacts", [("probe_job.py", PROBE)]).body  # noqa: B018
    platform.deploy_dag("wfo_test_pyspark_probe.py", PROBE_DAG.replace("OUT_PATH", repr(str(out))))
    run_id = platform.trigger("wfo_test_pyspark_probe", {"label": "blue"})
    assert platform.wait_for_run("wfo_test_pyspark_probe", run_id, timeout=SPARK_TIMEOUT) == "success"
    record = json.loads(out.read_text())
    assert record["argv"] == ["blue", "--flag", str(out)]
    assert record["app_name"] == "Probe blue"
    assert record["confs"] == {
        "spark.workflow.taskId": "probe",
        "spark.workflow.dagId": "wfo_test_pyspark_probe",
        "spark.sql.shuffle.partitions": "3",
        "spark.pyspark.python": record["python"],
    }
    assert record["rows"] == 10
    # The task log is the job's, without Airflow's warning about an operator run inside another one
    # ("GroupSparkSubmitOperator.execute cannot be called outside of the Task Runner!").
    log = platform.task_log("wfo_test_pyspark_probe", run_id, "probe")
    assert "Spark-Submit cmd" in log and "Config group 'default'" in log
    assert "cannot be called outside of the Task Runner" not in log


FAILING_DAG = """
from airflow.sdk import DAG
from wfo.operators import CouturePySparkOperator

with DAG("wfo_test_pyspark_failure", schedule=None, catchup=False) as dag:
    CouturePySparkOperator(task_id="explode", method_id="explode", code_artifact="failing_job.py")
"""
FAILING_JOB = b"""
from wfo.task import run_method

def explode(payload):
    raise ValueError("the input is broken: row 42 has no user_id")

if __name__ == "__main__":
    run_method(globals())
"""


def test_failing_job_fails_the_task_with_the_job_error(platform: Platform) -> None:
    platform.upload("/wfo/api/v1/code-artifacts", [("failing_job.py", FAILING_JOB)])
    platform.deploy_dag("wfo_test_pyspark_failure.py", FAILING_DAG)
    run_id = platform.trigger("wfo_test_pyspark_failure")
    assert platform.wait_for_run("wfo_test_pyspark_failure", run_id, timeout=SPARK_TIMEOUT) == "failed"
    log = platform.task_log("wfo_test_pyspark_failure", run_id, "explode")
    assert "row 42 has no user_id" in log


SLEEPER_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_pyspark_kill", schedule=None, catchup=False) as dag:
    PySparkOperator(task_id="sleeper", code_artifact="sleeper_job.py")
"""
SLEEPER_JOB = b"""
import time
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
print("sleeper started", flush=True)
time.sleep(600)
"""


def _spark_processes(platform: Platform, marker: str) -> list[str]:
    """The platform's processes (not the machine's) whose command line holds `marker`."""
    return [f"{pid}: {cmd[:160]}" for pid, cmd in instance_commands(platform.home).items() if marker in cmd]


def test_killing_the_task_kills_the_spark_driver(platform: Platform) -> None:
    platform.upload("/wfo/api/v1/code-artifacts", [("sleeper_job.py", SLEEPER_JOB)])
    platform.deploy_dag("wfo_test_pyspark_kill.py", SLEEPER_DAG)
    run_id = platform.trigger("wfo_test_pyspark_kill")
    jvm_marker, python_marker = "spark.workflow.dagId=wfo_test_pyspark_kill", "/app/sleeper_job.py"
    deadline = time.monotonic() + SPARK_TIMEOUT
    while not (_spark_processes(platform, jvm_marker) and _spark_processes(platform, python_marker)):
        assert time.monotonic() < deadline, "the Spark driver never started"
        time.sleep(1)

    platform.request(
        "PATCH",
        f"/api/v2/dags/wfo_test_pyspark_kill/dagRuns/{run_id}/taskInstances/sleeper",
        json_body={"new_state": "failed"},
        token=platform.token(),
        expected=(200,),
    )
    deadline = time.monotonic() + 90
    while _spark_processes(platform, jvm_marker) or _spark_processes(platform, python_marker):
        left = _spark_processes(platform, jvm_marker) + _spark_processes(platform, python_marker)
        assert time.monotonic() < deadline, f"left behind: {left}"
        time.sleep(1)
