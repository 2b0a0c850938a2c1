"""Child runs: the parts that need no platform (ids, states, events, errors); the rest runs for real in
tests/integration/operators/test_operators_{dagrun,batch_loop}.py."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.providers.standard.triggers.external_task import DagStateTrigger
from airflow.sdk.api.datamodels._generated import DagRunState
from airflow.sdk.exceptions import AirflowException, AirflowRuntimeError, ErrorType
from airflow.sdk.execution_time.comms import ErrorResponse

from wfo.operators import child_runs
from wfo.operators.child_runs import ChildDagNotRunnable, ChildDagRunFailed, ChildRun, ChildRunTrigger


def _ti(run_id: str = "manual__2026-01-01", task_id: str = "Trigger", map_index: int | None = -1) -> Any:
    return SimpleNamespace(run_id=run_id, task_id=task_id, map_index=map_index)


def test_child_run_ids_are_the_same_for_every_try_and_distinct_per_task_and_map_index() -> None:
    assert child_runs.child_run_id(_ti()) == "manual__2026-01-01__Trigger"
    assert child_runs.child_run_id(_ti(map_index=None)) == "manual__2026-01-01__Trigger"
    assert child_runs.child_run_id(_ti(map_index=0)) == "manual__2026-01-01__Trigger__0"
    assert child_runs.child_run_id(_ti(map_index=3), suffix="x") == "manual__2026-01-01__Trigger__3__x"
    assert child_runs.batch_run_id("manual__2026-01-01", 4) == "manual__2026-01-01__batch_4"


@pytest.mark.parametrize("state", [DagRunState.FAILED, "failed"])
def test_states_are_plain_strings_whether_the_api_gives_an_enum_or_a_string(state: Any) -> None:
    assert str(DagRunState.FAILED) != "failed"  # why the normalisation exists
    assert child_runs.state_name(state) == "failed"


@pytest.mark.parametrize(("state", "succeeded"), [(DagRunState.SUCCESS, True), (DagRunState.FAILED, False)])
def test_the_finished_run_is_read_from_a_dag_state_trigger_event(state: DagRunState, succeeded: bool) -> None:
    # The event exactly as DagStateTrigger builds it on Airflow 3: its serialisation plus {run_id: state}.
    classpath, data = DagStateTrigger(dag_id="child", states=[], run_ids=["r1"]).serialize()
    run = child_runs.finished_run((classpath, {**data, "r1": state}))
    assert run == ChildRun(dag_id="child", run_id="r1", state=state.value)
    assert run.succeeded is succeeded
    assert run.url.endswith("/dags/child/runs/r1")


def test_a_failed_run_fails_the_task_with_the_run_and_its_link() -> None:
    run = ChildRun(dag_id="child", run_id="r1", state="failed")
    error = ChildDagRunFailed(run)
    assert isinstance(error, AirflowException) and error.run is run
    assert str(error) == f"DAG 'child' run 'r1' ended in state failed: {run.url}"
    assert str(ChildDagRunFailed(run, "Batch 2 failed")) == "Batch 2 failed"


def test_the_triggerer_can_rebuild_the_wait_from_its_serialisation() -> None:
    trigger = ChildRunTrigger("child", "r1", poll_interval=2.0, not_before=123.0)
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert isinstance(rebuilt, ChildRunTrigger)
    assert rebuilt.serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("conf", "message"),
    [(["a"], "must be a dict, not list"), ({"when": object()}, "must be JSON-serialisable")],
)
def test_a_conf_that_is_not_a_json_dict_is_refused(conf: Any, message: str) -> None:
    with pytest.raises(TypeError, match=f"the conf of the run of 'child' {message}"):
        child_runs.checked_conf("child", conf)
    assert child_runs.checked_conf("child", None) == {}


def _lookup_failing_with(status: int | None) -> Any:
    """A task instance whose DAG lookup gets this answer from the execution API (None: no answer)."""
    detail = {"status_code": status, "message": "from the test"}

    def get_dag(dag_id: str) -> Any:
        raise AirflowRuntimeError(ErrorResponse(error=ErrorType.API_SERVER_ERROR, detail=detail))

    return SimpleNamespace(get_dag=get_dag)


def test_an_unknown_dag_is_named_as_such() -> None:
    with pytest.raises(ChildDagNotRunnable, match=r"DAG 'child' does not exist \(check run_dag_id\)"):
        child_runs.check_dag_can_run(_lookup_failing_with(404), "child")


@pytest.mark.parametrize("status", [500, 503, None])
def test_any_other_api_error_is_raised_as_what_it_is_not_as_an_unknown_dag(status: int | None) -> None:
    with pytest.raises(AirflowRuntimeError) as raised:
        child_runs.check_dag_can_run(_lookup_failing_with(status), "child")
    assert not isinstance(raised.value, ChildDagNotRunnable)
    assert child_runs.api_status(raised.value) == status
