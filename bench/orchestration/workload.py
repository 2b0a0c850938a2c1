"""The two DAGs the orchestration bench runs, how they are deployed, and how a run is timed.

`bench_chain`: 20 no-op `@task`s in a line (the per-task overhead); `bench_fanout`: one start task, then
50 parallel no-op tasks. Real Python tasks: an `EmptyOperator` is skipped by the scheduler.
"""

from __future__ import annotations

import statistics
import time
import urllib.parse
from datetime import datetime
from typing import Any

from stock import StockAirflow

from helpers.platform_runner import Platform

CHAIN_TASKS = 20
FANOUT_TASKS = 50

CHAIN_DAG = f"""
import pendulum
from airflow.sdk import dag, task


@task
def noop():
    pass


@dag(dag_id="bench_chain", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_chain():
    previous = None
    for i in range({CHAIN_TASKS}):
        current = noop.override(task_id=f"t{{i:02d}}")()
        if previous is not None:
            previous >> current
        previous = current


bench_chain()
"""

FANOUT_DAG = f"""
import pendulum
from airflow.sdk import dag, task


@task
def noop():
    pass


@dag(dag_id="bench_fanout", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_fanout():
    start = noop.override(task_id="start")()
    for i in range({FANOUT_TASKS}):
        start >> noop.override(task_id=f"leaf{{i:02d}}")()


bench_fanout()
"""

DAGS = {"bench_chain": CHAIN_DAG, "bench_fanout": FANOUT_DAG}


def deploy(platform: Platform) -> None:
    """wfo: through its DAG-files API, as users save DAGs (validated, priority-parsed). Stock: files in
    its DAGs folder, then `airflow dags reserialize` so neither waits for a periodic parse."""
    if isinstance(platform, StockAirflow):
        platform.dags_folder.mkdir(parents=True, exist_ok=True)
        for dag_id, code in DAGS.items():
            (platform.dags_folder / f"{dag_id}.py").write_text(code, encoding="utf-8")
        platform.airflow_cli("dags", "reserialize", "--bundle-name", "dags-folder")
    else:
        for dag_id, code in DAGS.items():
            platform.deploy_dag(f"{dag_id}.py", code)
    for dag_id in DAGS:
        platform.unpause(dag_id)


def run_once(platform: Platform, dag_id: str, timeout: float = 240.0) -> dict[str, Any]:
    """Trigger `dag_id`; the wall time until the run reads `success` (polled every 0.1 s)."""
    started = time.monotonic()
    run = platform.request(
        "POST",
        f"/api/v2/dags/{dag_id}/dagRuns",
        token=platform.token(),
        json_body={"logical_date": None, "conf": {}},
        expected=(200,),
    ).json()
    run_id = urllib.parse.quote(run["dag_run_id"], safe="")
    while time.monotonic() - started < timeout:
        state = platform.request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", token=platform.token(), expected=(200,)
        ).json()["state"]
        if state in ("success", "failed"):
            wall = time.monotonic() - started
            if state != "success":
                raise RuntimeError(f"{dag_id} run {run['dag_run_id']} {state}")
            return {"wall_s": round(wall, 3), "run_id": run["dag_run_id"]}
        time.sleep(0.1)
    raise TimeoutError(f"{dag_id} did not finish in {timeout} s")


def _when(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def chain_breakdown(platform: Platform, run_id: str) -> dict[str, float]:
    """Where a chain run's time went, per task (median, mean and max over the chain, seconds):

    * `schedule`: from the previous task's end to this task being queued (the scheduler noticed and
      queued it);
    * `start`: queued to running (the executor handed it to a worker, the task process started and
      reported itself running);
    * `run`: running to its end (the task process ran the no-op and reported success).
    """
    tis = platform.request(
        "GET",
        f"/api/v2/dags/bench_chain/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances?limit=100",
        token=platform.token(),
        expected=(200,),
    ).json()["task_instances"]
    tis.sort(key=lambda ti: ti["task_id"])
    schedule, start, run = [], [], []
    for previous, ti in zip([None, *tis], tis, strict=False):
        queued, began, ended = _when(ti.get("queued_when")), _when(ti["start_date"]), _when(ti["end_date"])
        if previous is not None and queued is not None:
            previous_end = _when(previous["end_date"])
            if previous_end is not None:
                schedule.append(queued - previous_end)
        if queued is not None and began is not None:
            start.append(began - queued)
        if began is not None and ended is not None:
            run.append(ended - began)
    parts = {"schedule": schedule, "start": start, "run": run}
    summary = {name: round(statistics.median(values), 3) for name, values in parts.items() if values}
    # Means too: a few slow hand-overs (a missed wake-up, a busy moment) hide behind the medians.
    summary.update({f"{name}_mean": round(statistics.fmean(v), 3) for name, v in parts.items() if v})
    summary.update({f"{name}_max": round(max(v), 3) for name, v in parts.items() if v})
    return summary
