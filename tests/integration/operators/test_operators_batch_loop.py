"""CoutureLoopableBatchOperator on the real platform: the example loop, a failing batch, resume on retry."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration
EXAMPLE_CSV = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples" / "data" / "batch_metadata.csv"
LOOP_TIMEOUT = 420.0


def _child_runs(platform: Platform, dag_id: str, parent_run_id: str) -> dict[str, dict[str, Any]]:
    runs = platform.request(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100", token=platform.token(), expected=(200,)
    ).json()["dag_runs"]
    return {r["dag_run_id"]: r for r in runs if r["dag_run_id"].startswith(parent_run_id + "__batch_")}


def test_example_loops_over_the_filtered_rows_in_batches_of_100(platform: Platform) -> None:
    with open(EXAMPLE_CSV, newline="", encoding="utf-8") as handle:
        wanted = [row["video_id"] for row in csv.DictReader(handle) if row["category"] in ("music", "sports")]
    expected = [wanted[i : i + 100] for i in range(0, len(wanted), 100)]
    assert len(expected) == 5

    platform.unpause("ExampleBatchChild")
    run_id = platform.trigger("ExampleBatchLoop")
    assert platform.wait_for_run("ExampleBatchLoop", run_id, timeout=LOOP_TIMEOUT) == "success"

    children = _child_runs(platform, "ExampleBatchChild", run_id)
    assert sorted(children) == sorted(f"{run_id}__batch_{n}" for n in range(1, 6))
    assert {r["state"] for r in children.values()} == {"success"}
    out = platform.home / "examples-data" / "output" / "batch_loop"
    for number, ids in enumerate(expected, start=1):
        child_run_id = f"{run_id}__batch_{number}"
        # What the child DAG read from dag_run.conf["metadata_df"]: exactly this batch's rows, in order.
        assert json.loads((out / f"{child_run_id}.json").read_text())["video_ids"] == ids
        records = json.loads(children[child_run_id]["conf"]["metadata_df"])
        assert records[0]["title"] and set(records[0]) == {
            "video_id",
            "category",
            "title",
            "duration_s",
            "url",
        }
    log = platform.task_log("ExampleBatchLoop", run_id, "video_batches")
    assert "Loop finished: 5 batches, 500 rows" in log


CHILD = """
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG, task

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:

    @task
    def work(batch_number: str, child_run_id: str) -> None:
        Path("{executions}").open("a").write(child_run_id + "\\n")
        marker = Path("{marker}")
        if batch_number == "2" and not marker.exists():
            marker.write_text("failed once")
            raise RuntimeError("batch 2 fails the first time")

    work(batch_number="{{{{ dag_run.conf['batch_number'] }}}}", child_run_id="{{{{ run_id }}}}")
"""

PARENT = """
from datetime import datetime, timedelta

from airflow.sdk import DAG

from wfo.operators import CoutureLoopableBatchOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    CoutureLoopableBatchOperator(
        task_id="loop",
        run_dag_id="{child}",
        metadata_file="{csv}",
        batch_size=10,
        deferrable={deferrable},
        retries=1,
        retry_delay=timedelta(seconds=2),
    )
"""


@pytest.mark.parametrize("deferrable", [False, True], ids=["in-worker", "deferrable"])
def test_a_failed_batch_stops_the_loop_and_the_retry_resumes_there(
    platform: Platform, tmp_path: Path, deferrable: bool
) -> None:
    parent, child = f"BatchLoopResume{deferrable}", f"BatchLoopResumeChild{deferrable}"
    data = tmp_path / "items.csv"
    # Three batches: one before the failing one (not run again on retry), the failing one, one after it.
    # Each costs DEFER_MIN_WAIT (10 s) per wait in deferrable mode, so no more than these three.
    data.write_text("item,note\n" + "".join(f'{i},"line one\nline two of {i}"\n' for i in range(1, 31)))
    executions = tmp_path / "executions.txt"
    platform.deploy_dag(
        f"batch_loop_resume_child_{deferrable}.py",
        CHILD.format(dag_id=child, executions=executions, marker=tmp_path / "marker"),
    )
    platform.deploy_dag(
        f"batch_loop_resume_parent_{deferrable}.py",
        PARENT.format(dag_id=parent, child=child, csv=data, deferrable=deferrable),
    )
    platform.unpause(child)

    run_id = platform.trigger(parent)
    assert platform.wait_for_run(parent, run_id, timeout=LOOP_TIMEOUT) == "success"

    first_try = platform.task_log(parent, run_id, "loop", try_number=1)
    assert "Batch 2 (rows 11-20 of" in first_try and "ended failed" in first_try
    second_try = platform.task_log(parent, run_id, "loop", try_number=2)
    assert "Resuming the loop at batch 2" in second_try and "Loop finished: 3 batches, 30 rows" in second_try

    # Batch 1 ran once (not again after the retry), batch 2 twice (failed, then passed), then batch 3.
    runs = Counter(executions.read_text().split())
    assert runs == Counter({f"{run_id}__batch_{n}": (2 if n == 2 else 1) for n in range(1, 4)})
    children = _child_runs(platform, child, run_id)
    assert {r["state"] for r in children.values()} == {"success"} and len(children) == 3
    # Each child got its own rows, quoted newlines intact.
    records = json.loads(children[f"{run_id}__batch_3"]["conf"]["metadata_df"])
    assert records[0] == {"item": "21", "note": "line one\nline two of 21"} and len(records) == 10
    # The task's link opens the run of the batch it triggered last.
    links = platform.request(
        "GET",
        f"/api/v2/dags/{parent}/dagRuns/{run_id}/taskInstances/loop/links",
        token=platform.token(),
        expected=(200,),
    ).json()["extra_links"]
    assert links["Current batch run"] == f"{platform.base_url}/dags/{child}/runs/{run_id}__batch_3"


def test_a_paused_target_dag_fails_the_loop_with_a_clear_message(platform: Platform, tmp_path: Path) -> None:
    data = tmp_path / "items.csv"
    data.write_text("item\n1\n2\n")
    platform.deploy_dag(
        "batch_loop_paused_child.py",
        "from datetime import datetime\nfrom airflow.sdk import DAG\nfrom airflow.providers.standard.operators"
        ".empty import EmptyOperator\nwith DAG('BatchLoopPausedChild', start_date=datetime(2024, 1, 1), "
        "schedule=None, is_paused_upon_creation=True):\n    EmptyOperator(task_id='noop')\n",
    )
    platform.deploy_dag(
        "batch_loop_paused_parent.py",
        PARENT.format(
            dag_id="BatchLoopPausedParent", child="BatchLoopPausedChild", csv=data, deferrable=False
        ).replace("retries=1", "retries=0"),
    )
    platform.wait_for_dag("BatchLoopPausedChild")
    run_id = platform.trigger("BatchLoopPausedParent")
    assert platform.wait_for_run("BatchLoopPausedParent", run_id, timeout=LOOP_TIMEOUT) == "failed"
    log = platform.task_log("BatchLoopPausedParent", run_id, "loop")
    assert "DAG 'BatchLoopPausedChild' is paused" in log
    assert _child_runs(platform, "BatchLoopPausedChild", run_id) == {}
