"""CoutureDaskYarnOperator on the session platform: the example on a local cluster, a real external
scheduler chosen by a config group's Runtime section, and the failures a user must understand."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wfo.cli.processes import alive
from wfo.operators.dask import scheduler_command, worker_command

from helpers.platform_runner import Platform, instance_commands, role_password

pytestmark = pytest.mark.integration
TIMEOUT = 300.0
EXAMPLES_INPUT = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples" / "data"


def _expected_averages() -> dict[str, dict[str, float]]:
    ratings: dict[int, list[int]] = defaultdict(list)
    with open(EXAMPLES_INPUT / "ratings.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if 1 <= int(row["rating"]) <= 5:
                ratings[int(row["user_id"])].append(int(row["rating"]))
    return {
        str(user): {"ratings": len(values), "average_rating": round(sum(values) / len(values), 4)}
        for user, values in sorted(ratings.items())
    }


def test_example_dask_runs_on_a_local_cluster_of_the_default_group(platform: Platform) -> None:
    out = platform.home / "examples-data" / "output" / "dask" / "user_ratings.json"
    out.unlink(missing_ok=True)
    run_id = platform.trigger("ExampleDask")
    assert platform.wait_for_run("ExampleDask", run_id, timeout=TIMEOUT) == "success"
    report = json.loads(out.read_text())
    assert report["users"] == _expected_averages()
    # The default runtime: a local cluster of 2 workers, started for the task.
    assert report["workers"] == 2
    assert report["scheduler"].startswith("tcp://127.0.0.1:")
    log = platform.task_log("ExampleDask", run_id, "Average_Ratings")
    # The artifact's own output is in the task log.
    assert f"connected to {report['scheduler']} with 2 worker(s)" in log
    assert "wrote the averages of" in log
    # The cluster of the task is gone once the task ended.
    assert _platform_commands(platform, r"wfo-python-task-.*dask-scheduler\.json") == []


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Dask scheduler with one worker, outside the platform (like a team's shared cluster)."""
    work = tmp_path_factory.mktemp("dask-cluster")
    scheduler_file = work / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    scheduler = subprocess.Popen(
        scheduler_command(sys.executable, scheduler_file),
        **common,  # type: ignore[call-overload]
    )
    worker = subprocess.Popen(
        worker_command(sys.executable, scheduler_file, 1, 2, work / "w"),
        **common,  # type: ignore[call-overload]
    )
    try:
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        yield str(json.loads(scheduler_file.read_text())["address"])
    finally:
        for process in (worker, scheduler):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


MODES_DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureDaskYarnOperator

with DAG("wfo_test_dask_modes", schedule=None, catchup=False) as dag:
    CoutureDaskYarnOperator(
        task_id="averages",
        method_id="Average_Ratings",
        code_artifact="DaskRatings.py",
        config_group=GROUP,
        dask_mode="{{ dag_run.conf.get('mode', '') }}",
        input_base_dir_path=INPUT,
        output_base_dir_path=OUTPUT,
        input_filenames_dict={"ratings": "{{ dag_run.conf.get('file', 'ratings.csv') }}"},
        output_filenames_dict={"averages": "averages.json"},
    )
"""


def test_scheduler_mode_uses_the_groups_cluster_and_failures_fail_the_task(
    platform: Platform, dask_cluster: str, tmp_path: Path
) -> None:
    group = f"dask-{uuid.uuid4().hex[:8]}"
    platform.api("POST", "/config-groups", json_body={"name": group}, expected=(201,))
    configured = platform.api(
        "PUT",
        f"/config-groups/{group}/runtime",
        user="dev_user",
        password=role_password("dev_user"),
        json_body={"dask": {"mode": "scheduler", "scheduler_address": dask_cluster}},
        expected=(200,),
    ).json()
    assert configured["dask"]["mode"] == "scheduler"
    dag = (
        MODES_DAG.replace("GROUP", repr(group))
        .replace("INPUT", repr(str(platform.home / "examples-data" / "input") + "/"))
        .replace("OUTPUT", repr(str(tmp_path) + "/"))
    )
    platform.deploy_dag("wfo_test_dask_modes.py", dag)

    # 1. The group's scheduler: the job ran on the external cluster (its one worker), not a local one.
    run_id = platform.trigger("wfo_test_dask_modes")
    assert platform.wait_for_run("wfo_test_dask_modes", run_id, timeout=TIMEOUT) == "success"
    report = json.loads((tmp_path / "averages.json").read_text())
    assert (report["scheduler"], report["workers"]) == (dask_cluster, 1)
    assert report["users"] == _expected_averages()
    assert f"Dask: using the scheduler at {dask_cluster}" in platform.task_log(
        "wfo_test_dask_modes", run_id, "averages"
    )

    # 2. The job fails (a missing input file): the task fails and its log shows the job's error.
    run_id = platform.trigger("wfo_test_dask_modes", {"file": "no-such-ratings.csv"})
    assert platform.wait_for_run("wfo_test_dask_modes", run_id, timeout=TIMEOUT) == "failed"
    log = platform.task_log("wfo_test_dask_modes", run_id, "averages")
    assert "FileNotFoundError" in log and "no-such-ratings.csv" in log
    assert "exited with code 1" in log

    # 3. YARN mode without dask-yarn installed: a clear message, not an ImportError traceback.
    run_id = platform.trigger("wfo_test_dask_modes", {"mode": "yarn"})
    assert platform.wait_for_run("wfo_test_dask_modes", run_id, timeout=TIMEOUT) == "failed"
    log = platform.task_log("wfo_test_dask_modes", run_id, "averages")
    assert "needs the dask-yarn package, which is not installed" in log


SLEEPER = b"""
import json, os, sys, time
from distributed import Client

with Client() as client:
    with open(json.loads(sys.argv[1])["output_base_dir_path"], "w") as fh:
        json.dump({"pid": os.getpid(), "scheduler": client.scheduler.address}, fh)
    print("started, sleeping", flush=True)
    time.sleep(600)
"""

SLEEPER_DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureDaskYarnOperator

with DAG("wfo_test_dask_kill", schedule=None, catchup=False) as dag:
    CoutureDaskYarnOperator(task_id="sleeper", method_id="x", code_artifact="dask_sleeper.py",
                            dask_mode="local", output_base_dir_path=OUT)
"""


def _platform_commands(platform: Platform, pattern: str) -> list[str]:
    """Commands of the platform's processes (not the machine's) matching `pattern`."""
    return [
        f"{pid}: {command[:160]}"
        for pid, command in instance_commands(platform.home).items()
        if re.search(pattern, command)
    ]


def _written_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


# Local-cluster processes: their scheduler file is in a task's work directory.
LOCAL_CLUSTER = r"wfo-python-task-.*dask"


def test_killing_the_task_stops_the_job_and_its_local_cluster(platform: Platform, tmp_path: Path) -> None:
    marker = tmp_path / "sleeper.json"
    platform.upload("/wfo/api/v1/code-artifacts", [("dask_sleeper.py", SLEEPER)])
    # The marker path reaches the artifact in its payload (output_base_dir_path).
    platform.deploy_dag("wfo_test_dask_kill.py", SLEEPER_DAG.replace("OUT", repr(str(marker))))
    run_id = platform.trigger("wfo_test_dask_kill")
    deadline = time.monotonic() + TIMEOUT
    started = _written_json(marker)
    while started is None:  # until the sleeper wrote all of it
        assert time.monotonic() < deadline, "the sleeper never started"
        time.sleep(0.2)
        started = _written_json(marker)
    assert alive(started["pid"])
    platform.request(
        "PATCH",
        f"/api/v2/dags/wfo_test_dask_kill/dagRuns/{run_id}/taskInstances/sleeper",
        json_body={"new_state": "failed"},
        token=platform.token(),
        expected=(200,),
    )
    deadline = time.monotonic() + 120
    while alive(started["pid"]) or _platform_commands(platform, LOCAL_CLUSTER):
        left = _platform_commands(platform, LOCAL_CLUSTER)
        assert time.monotonic() < deadline, f"left running: {started}, {left}"
        time.sleep(0.5)
    assert platform.wait_for_run("wfo_test_dask_kill", run_id, timeout=TIMEOUT) == "failed"

