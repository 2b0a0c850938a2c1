"""DagOperator / SkippableDagOperator on the session platform: master DAGs triggering child DAGs for real."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

MASTER = "ExampleMasterDag"
RUN_TIMEOUT = 240.0

# Test-only DAGs (deployed through the DAG-files API): a child that fails once released, a paused child,
# and a master whose tasks hit each of them, plus one whose callable decides not to trigger. The children
# wait for a file the test writes once it saw the parent's task deferred (no fixed sleeps: the states the
# tests look for are reached for sure, and no sooner than needed).
TEST_DAGS = """
import os
import time
from datetime import timedelta

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, task

from wfo.operators import DagOperator


def wait_for(path):
    deadline = time.monotonic() + 300
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path + " was never written")
        time.sleep(0.1)


with DAG("dagrun_test_failing_child", schedule=None, is_paused_upon_creation=False,
         default_args={"retries": 0}):

    @task(task_id="SlowThenFail")
    def slow_then_fail():
        wait_for(RELEASE_FAILING)
        raise ValueError("the child DAG fails on purpose")

    slow_then_fail()

with DAG("dagrun_test_slow_child", schedule=None, is_paused_upon_creation=False,
         default_args={"retries": 0}):

    @task(task_id="Slow")
    def slow():
        wait_for(RELEASE_SLOW)

    slow()


def shared_run(context, dag_run_obj):
    dag_run_obj.run_id = context["run_id"] + "__shared"
    return dag_run_obj


with DAG("dagrun_test_paused_child", schedule=None, is_paused_upon_creation=True):

    @task(task_id="Never")
    def never():
        pass

    never()

with DAG("dagrun_test_master", schedule=None, default_args={"retries": 0}):
    DagOperator(
        task_id="RunFailingChild",
        run_dag_id="dagrun_test_failing_child",
        retries=1,
        retry_delay=timedelta(seconds=0),
    )
    DagOperator(
        task_id="NotTriggered",
        run_dag_id="dagrun_test_failing_child",
        python_callable=lambda context, dag_run_obj: None,
    )
    DagOperator(task_id="PausedChild", run_dag_id="dagrun_test_paused_child")
    DagOperator(task_id="MissingChild", run_dag_id="dagrun_test_no_such_dag")
    # A run that already exists (as after a retry or a clear): waited for, reused, or run again.
    start = TriggerDagRunOperator(
        task_id="StartSharedRun",
        trigger_dag_id="dagrun_test_slow_child",
        trigger_run_id="{{ run_id }}__shared",
    )
    join = DagOperator(task_id="JoinSharedRun", run_dag_id="dagrun_test_slow_child", python_callable=shared_run)
    reuse = DagOperator(
        task_id="ReuseSharedRun",
        run_dag_id="dagrun_test_slow_child",
        python_callable=shared_run,
        reset_dag_run=False,
    )
    rerun = DagOperator(task_id="RerunSharedRun", run_dag_id="dagrun_test_slow_child", python_callable=shared_run)
    start >> join >> reuse >> rerun
"""


def _get(platform: Platform, path: str, expected: tuple[int, ...] = (200,)) -> Any:
    return platform.request("GET", "/api/v2" + path, token=platform.token(), expected=expected).json()


def _ti(platform: Platform, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
    ti: dict[str, Any] = _get(platform, f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
    return ti


def _run_watching(
    platform: Platform, dag_id: str, task_id: str, releases: dict[str, Path] | None = None
) -> tuple[str, str, set[str]]:
    """Trigger `dag_id`, wait for it, and collect the states `task_id` went through (polled via the API).

    `releases`: task id -> file to write once that task was seen deferred (what the test children wait for).
    """
    run_id = platform.trigger(dag_id)
    seen: set[str] = set()
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        listed = _get(platform, f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        states = {ti["task_id"]: str(ti["state"]) for ti in listed}
        seen.add(states.get(task_id, "none"))
        for waiting, release in (releases or {}).items():
            if states.get(waiting) == "deferred":
                release.touch()
        state = _get(platform, f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return run_id, state, seen
        time.sleep(0.2)
    raise TimeoutError(f"{dag_id} run {run_id} did not finish within {RUN_TIMEOUT} s")


@pytest.fixture(scope="module")
def master_run(platform: Platform) -> tuple[str, str, set[str]]:
    for dag_id in ("ExampleChildDagA", "ExampleChildDagB"):
        platform.wait_for_dag(dag_id)
    return _run_watching(platform, MASTER, "TriggerChildA")


@pytest.fixture(scope="module")
def failing_run(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, set[str]]:
    folder = tmp_path_factory.mktemp("dagrun")
    failing, slow = folder / "release-failing", folder / "release-slow"
    code = TEST_DAGS.replace("RELEASE_FAILING", repr(str(failing))).replace("RELEASE_SLOW", repr(str(slow)))
    platform.deploy_dag("dagrun_test_dags.py", code)
    for dag_id in ("dagrun_test_failing_child", "dagrun_test_slow_child", "dagrun_test_paused_child"):
        platform.wait_for_dag(dag_id)
    # The failing child fails only once the parent waits deferred; the shared run ends only once
    # JoinSharedRun found it running and waits for it.
    releases = {"RunFailingChild": failing, "JoinSharedRun": slow}
    return _run_watching(platform, "dagrun_test_master", "RunFailingChild", releases)


def test_master_dag_runs_the_child_with_the_payload(
    platform: Platform, master_run: tuple[str, str, set[str]]
) -> None:
    run_id, state, _ = master_run
    assert state == "success"
    assert _ti(platform, MASTER, run_id, "TriggerChildA")["state"] == "success"
    # The child run has the deterministic id, the callable's payload as conf, and was operator-triggered.
    child_run_id = f"{run_id}__TriggerChildA"
    child = _get(platform, f"/dags/ExampleChildDagA/dagRuns/{child_run_id}")
    assert child["state"] == "success"
    assert child["conf"] == {"message": "Hii there!!"}
    assert child["run_type"] == "operator_triggered"
    assert child["note"] == f"Triggered by {MASTER} / {run_id} / TriggerChildA"
    assert "ExampleChildDagA received: Hii there!!" in platform.task_log(
        "ExampleChildDagA", child_run_id, "Greet"
    )


def test_condition_off_skips_the_other_branch(
    platform: Platform, master_run: tuple[str, str, set[str]]
) -> None:
    run_id, _, _ = master_run
    assert _ti(platform, MASTER, run_id, "TriggerChildB")["state"] == "skipped"
    assert _ti(platform, MASTER, run_id, "AfterChildB")["state"] == "skipped"
    assert "ExampleChildDagB not triggered" in platform.task_log(MASTER, run_id, "TriggerChildB")
    assert _get(platform, "/dags/ExampleChildDagB/dagRuns")["total_entries"] == 0


def test_zoom_into_dag_link_points_at_the_child_run(
    platform: Platform, master_run: tuple[str, str, set[str]]
) -> None:
    run_id, _, _ = master_run
    links = _get(platform, f"/dags/{MASTER}/dagRuns/{run_id}/taskInstances/TriggerChildA/links")
    url = links["extra_links"]["Zoom into DAG"]
    assert url == f"{platform.base_url}/dags/ExampleChildDagA/runs/{run_id}__TriggerChildA"
    # The run the link names exists.
    child_run_id = url.rsplit("/runs/", 1)[1]
    assert _get(platform, f"/dags/ExampleChildDagA/dagRuns/{child_run_id}")["dag_id"] == "ExampleChildDagA"
    # A task that did not trigger anything has no link.
    skipped = _get(platform, f"/dags/{MASTER}/dagRuns/{run_id}/taskInstances/TriggerChildB/links")
    assert skipped["extra_links"]["Zoom into DAG"] is None


def test_waiting_task_is_deferred(platform: Platform, master_run: tuple[str, str, set[str]]) -> None:
    run_id, _, _ = master_run
    log = platform.task_log(MASTER, run_id, "TriggerChildA")
    # Paused as DEFERRED (no worker slot while the child runs), resumed when the trigger fired.
    assert "Pausing task as DEFERRED" in log
    assert "DagStateTrigger" in log and "Trigger fired event" in log
    assert f"DAG ExampleChildDagA run {run_id}__TriggerChildA succeeded" in log


def test_failing_child_fails_the_parent(platform: Platform, failing_run: tuple[str, str, set[str]]) -> None:
    run_id, state, seen = failing_run
    assert state == "failed"
    child_run_id = f"{run_id}__RunFailingChild"
    ti = _ti(platform, "dagrun_test_master", run_id, "RunFailingChild")
    assert ti["state"] == "failed"
    # While the child ran, the parent task waited deferred, not in a worker slot.
    assert "deferred" in seen
    for try_number in (1, 2):
        log = platform.task_log("dagrun_test_master", run_id, "RunFailingChild", try_number)
        assert f"DAG 'dagrun_test_failing_child' run '{child_run_id}' ended in state failed" in log


def test_retry_reruns_the_same_child_run(platform: Platform, failing_run: tuple[str, str, set[str]]) -> None:
    run_id, _, _ = failing_run
    assert _ti(platform, "dagrun_test_master", run_id, "RunFailingChild")["try_number"] == 2
    # The retry cleared and re-ran the child run of the first try instead of triggering a second one.
    runs = _get(platform, "/dags/dagrun_test_failing_child/dagRuns")["dag_runs"]
    assert [r["dag_run_id"] for r in runs] == [f"{run_id}__RunFailingChild"]
    child_ti = _ti(platform, "dagrun_test_failing_child", f"{run_id}__RunFailingChild", "SlowThenFail")
    assert child_ti["try_number"] == 2


def test_callable_returning_nothing_succeeds_without_triggering(
    platform: Platform, failing_run: tuple[str, str, set[str]]
) -> None:
    run_id, _, _ = failing_run
    assert _ti(platform, "dagrun_test_master", run_id, "NotTriggered")["state"] == "success"
    links = _get(platform, f"/dags/dagrun_test_master/dagRuns/{run_id}/taskInstances/NotTriggered/links")
    assert links["extra_links"]["Zoom into DAG"] is None


@pytest.mark.parametrize(
    ("task_id", "message"),
    [
        ("PausedChild", "DAG 'dagrun_test_paused_child' is paused: turn it on"),
        ("MissingChild", "DAG 'dagrun_test_no_such_dag' does not exist"),
    ],
)
def test_unrunnable_child_fails_with_a_clear_message(
    platform: Platform, failing_run: tuple[str, str, set[str]], task_id: str, message: str
) -> None:
    run_id, _, _ = failing_run
    assert _ti(platform, "dagrun_test_master", run_id, task_id)["state"] == "failed"
    assert message in platform.task_log("dagrun_test_master", run_id, task_id)
    # Nothing was triggered for it.
    assert _get(platform, "/dags/dagrun_test_paused_child/dagRuns")["total_entries"] == 0


def test_existing_child_run_is_waited_for_reused_or_rerun(
    platform: Platform, failing_run: tuple[str, str, set[str]]
) -> None:
    run_id, _, _ = failing_run
    shared = f"{run_id}__shared"
    expected_logs = {
        "JoinSharedRun": f"Run {shared} of dagrun_test_slow_child already exists (",
        "ReuseSharedRun": f"Run {shared} of dagrun_test_slow_child already finished (success): reusing",
        "RerunSharedRun": f"Run {shared} of dagrun_test_slow_child already finished (success): clearing it",
    }
    for task_id, line in expected_logs.items():
        assert _ti(platform, "dagrun_test_master", run_id, task_id)["state"] == "success", task_id
        assert line in platform.task_log("dagrun_test_master", run_id, task_id), task_id
    assert "waiting for it" in platform.task_log("dagrun_test_master", run_id, "JoinSharedRun")
    # One child run in all, run twice: by its trigger, and again after RerunSharedRun cleared it.
    runs = _get(platform, "/dags/dagrun_test_slow_child/dagRuns")["dag_runs"]
    assert [(r["dag_run_id"], r["state"]) for r in runs] == [(shared, "success")]
    assert _ti(platform, "dagrun_test_slow_child", shared, "Slow")["try_number"] == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"python_callable": "conditionally_trigger"},
            TypeError,
            "python_callable of task 't' must be callable",
        ),
        ({"poll_interval": 0}, ValueError, "poll_interval of task 't' must be positive"),
    ],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    from wfo.operators import DagOperator

    with pytest.raises(error, match=message):
        DagOperator(task_id="t", run_dag_id="child", **kwargs)
