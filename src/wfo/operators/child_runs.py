"""Child DAG runs started by a task (DagOperator, the batch loop): the one module that knows how.

Tasks cannot write to the metadata DB (DESIGN §9), so a child run is created, watched and linked through
the task runner's own channels. These are the Airflow 3.3.2 internals it relies on (imported inside the
functions that use them; check them first when upgrading Airflow):

* `airflow.sdk.exceptions.DagRunTriggerException`: raised from `execute()`, the task runner creates the run
  through the execution API, stores its id in XCom and defers the task on `DagStateTrigger`, as for
  `TriggerDagRunOperator` (`trigger_and_defer`);
* the `airflow.sdk.execution_time.comms.TriggerDagRun` message, sent over
  `airflow.sdk.execution_time.task_runner.SUPERVISOR_COMMS`: the same execution-API call without ending
  the task execution, so one execution may start several runs (`trigger_in_process`);
* `RuntimeTaskInstance.get_dr_count` / `get_dagrun_state` / `get_dag`, called on `context["ti"]`: does
  the run exist and in which state (a `DagRunState` on the task side, normalised to a plain string here),
  is the DAG known and unpaused (its `AirflowRuntimeError` carries the API's status in
  `error.detail["status_code"]`);
* `airflow.providers.standard.triggers.external_task.DagStateTrigger`, wrapped by `ChildRunTrigger`, and
  the shape of its event: ``(classpath, {"dag_id": ..., "run_ids": [run_id], run_id: state, ...})``;
* the XCom key `trigger_run_id`, under which the task runner stores the run id it triggered
  (`_handle_trigger_dag_run`); the in-process flavour writes the same key, and `ChildRunLink` reads it
  with `airflow.sdk.execution_time.xcom.XCom.get_value`;
* `airflow.utils.helpers.build_airflow_dagrun_url`, the run's page in the UI (uses `[api] base_url`).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator, BaseOperatorLink
from airflow.sdk.exceptions import AirflowException
from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from airflow.sdk.types import RuntimeTaskInstanceProtocol, TaskInstanceKey

# Set by the task runner for the run it triggered, and by `trigger_in_process` for ours.
TRIGGERED_RUN_ID_KEY = "trigger_run_id"
# Our own key for the triggered DAG id, so a link never depends on re-rendered templates.
TRIGGERED_DAG_ID_KEY = "trigger_dag_id"
DEFAULT_POLL_INTERVAL = 2
SUCCESS = "success"
FAILED = "failed"
FINISHED = (SUCCESS, FAILED)


class ChildDagNotRunnable(AirflowException):
    """The DAG to trigger does not exist or is paused: its run would never start. A retry may succeed."""


@dataclass(frozen=True)
class ChildRun:
    """A finished child run."""

    dag_id: str
    run_id: str
    state: str

    @property
    def succeeded(self) -> bool:
        return self.state == SUCCESS

    @property
    def url(self) -> str:
        return dag_run_url(self.dag_id, self.run_id)


class ChildDagRunFailed(AirflowException):
    """A child run ended in a state other than success; fails the task that waited for it."""

    def __init__(self, run: ChildRun, message: str | None = None) -> None:
        self.run = run
        super().__init__(
            message or f"DAG '{run.dag_id}' run '{run.run_id}' ended in state {run.state}: {run.url}"
        )


# --- ids, states, URLs ---------------------------------------------------------------------------------
def child_run_id(ti: RuntimeTaskInstanceProtocol, suffix: str | None = None) -> str:
    """The run a task triggers: `<parent run id>__<task id>[__<map index>][__<suffix>]`.

    The same for every try of the task, so a retry finds (and waits for, or resets) the run the first try
    created instead of triggering a second one.
    """
    parts = [ti.run_id, ti.task_id]
    if ti.map_index is not None and ti.map_index >= 0:
        parts.append(str(ti.map_index))
    if suffix:
        parts.append(suffix)
    return "__".join(parts)


def batch_run_id(parent_run_id: str, number: int) -> str:
    """The run of batch `number` (1-based) of the loop run `parent_run_id`."""
    return f"{parent_run_id}__batch_{number}"


def state_name(state: Any) -> str:
    """'success' for both the string and the `DagRunState` member (whose str() is 'DagRunState.SUCCESS')."""
    return str(getattr(state, "value", state))


def dag_run_url(dag_id: str, run_id: str) -> str:
    """The run's page in Airflow's UI (uses `[api] base_url`, set per instance by `wfo up`)."""
    from airflow.utils.helpers import build_airflow_dagrun_url

    return str(build_airflow_dagrun_url(dag_id=dag_id, run_id=run_id))


# --- asking the execution API --------------------------------------------------------------------------
def api_status(error: Exception) -> int | None:
    """The HTTP status of the execution-API answer behind an `AirflowRuntimeError`, if it had one."""
    detail = getattr(getattr(error, "error", None), "detail", None)
    status = detail.get("status_code") if isinstance(detail, dict) else None
    return status if isinstance(status, int) else None


def check_dag_can_run(ti: RuntimeTaskInstanceProtocol, dag_id: str) -> None:
    """Fail now, with a message a user can act on, instead of waiting forever for a run that never starts.

    Only a 404 means the DAG is unknown; any other API error (a restarting api-server, say) is raised as
    it is, so it reads as what it is and the task's retries apply.
    """
    from airflow.sdk.exceptions import AirflowRuntimeError

    try:
        dag = ti.get_dag(dag_id)
    except AirflowRuntimeError as exc:
        if api_status(exc) == 404:
            raise ChildDagNotRunnable(f"DAG '{dag_id}' does not exist (check run_dag_id)") from exc
        raise
    if dag.is_paused:
        raise ChildDagNotRunnable(
            f"DAG '{dag_id}' is paused: turn it on, then retry this task (runs of a paused DAG never start)"
        )


def run_state(ti: RuntimeTaskInstanceProtocol, dag_id: str, run_id: str) -> str | None:
    """The state of run `run_id` of `dag_id` ('queued', 'running', 'success', 'failed'), None if none."""
    if not ti.get_dr_count(dag_id=dag_id, run_ids=[run_id]):
        return None
    return state_name(ti.get_dagrun_state(dag_id=dag_id, run_id=run_id))


def record_triggered_run(ti: RuntimeTaskInstanceProtocol, dag_id: str, run_id: str) -> None:
    """Remember the run for the task's link (`ChildRunLink`)."""
    ti.xcom_push(key=TRIGGERED_DAG_ID_KEY, value=dag_id)
    ti.xcom_push(key=TRIGGERED_RUN_ID_KEY, value=run_id)


# --- triggering ----------------------------------------------------------------------------------------
def checked_conf(dag_id: str, conf: Any) -> dict[str, Any]:
    """A run's conf: a JSON-serialisable dict (None means empty); anything else is a `TypeError`."""
    if conf is not None and not isinstance(conf, dict):
        raise TypeError(f"the conf of the run of '{dag_id}' must be a dict, not {type(conf).__name__}")
    try:
        json.dumps(conf)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the conf of the run of '{dag_id}' must be JSON-serialisable: {exc}") from exc
    return conf or {}


def trigger_and_defer(
    *,
    dag_id: str,
    run_id: str,
    conf: dict[str, Any] | None,
    poll_interval: int = DEFAULT_POLL_INTERVAL,
    reset_dag_run: bool = False,
    note: str | None = None,
) -> NoReturn:
    """Hand the task to the task runner: it creates the run (clears it first with `reset_dag_run`), stores
    its id under `trigger_run_id`, and defers on `DagStateTrigger`; the task resumes in
    ``execute_complete(context, event)`` (a name the runner fixes) once the run has finished.

    The run gets a logical date (now), as `TriggerDagRunOperator`'s do, so a child's `{{ ds }}` works.
    """
    from airflow.sdk import timezone
    from airflow.sdk.exceptions import DagRunTriggerException

    raise DagRunTriggerException(
        trigger_dag_id=dag_id,
        dag_run_id=run_id,
        conf=checked_conf(dag_id, conf),
        logical_date=timezone.utcnow(),
        reset_dag_run=reset_dag_run,
        skip_when_already_exists=False,
        wait_for_completion=True,
        allowed_states=[SUCCESS],
        failed_states=[FAILED],
        poke_interval=poll_interval,
        deferrable=True,
        note=note,
    )


def trigger_in_process(
    ti: RuntimeTaskInstanceProtocol,
    *,
    dag_id: str,
    run_id: str,
    conf: dict[str, Any] | None,
    note: str | None = None,
) -> None:
    """Create the run now and return, so the task goes on (and may start more runs in this execution).

    An existing run of this id is cleared and run again in place, with the conf it had the first time.
    """
    from airflow.sdk.execution_time.comms import ErrorResponse, TriggerDagRun
    from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

    response = SUPERVISOR_COMMS.send(
        TriggerDagRun(
            dag_id=dag_id, run_id=run_id, conf=checked_conf(dag_id, conf), reset_dag_run=True, note=note
        )
    )
    # Other API errors are raised by `send` as AirflowRuntimeError; this is the "already exists" answer.
    if isinstance(response, ErrorResponse):
        raise AirflowException(
            f"could not trigger run '{run_id}' of DAG '{dag_id}': {response.error} {response.detail}"
        )
    record_triggered_run(ti, dag_id, run_id)


# --- waiting -------------------------------------------------------------------------------------------
class ChildRunTrigger(BaseTrigger):
    """Waits in the triggerer for a run to finish, never reporting before `not_before` (epoch seconds).

    Fires `DagStateTrigger`'s event (pass it to `finished_run`).
    """

    def __init__(self, dag_id: str, run_id: str, poll_interval: float, not_before: float = 0.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.dag_id = dag_id
        self.run_id = run_id
        self.poll_interval = poll_interval
        self.not_before = not_before

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "dag_id": self.dag_id,
                "run_id": self.run_id,
                "poll_interval": self.poll_interval,
                "not_before": self.not_before,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        import asyncio

        from airflow.providers.standard.triggers.external_task import DagStateTrigger

        await asyncio.sleep(max(0.0, self.not_before - time.time()))
        inner = DagStateTrigger(
            dag_id=self.dag_id,
            states=list(FINISHED),  # type: ignore[arg-type]
            run_ids=[self.run_id],
            poll_interval=self.poll_interval,
        )
        async for event in inner.run():
            yield event
            return


def defer_until_finished(
    *, dag_id: str, run_id: str, poll_interval: float, min_wait: float = 0.0
) -> NoReturn:
    """Free the worker slot until the run has finished; the task resumes in ``execute_complete``."""
    from airflow.sdk.exceptions import TaskDeferred

    raise TaskDeferred(
        trigger=ChildRunTrigger(dag_id, run_id, poll_interval, not_before=time.time() + min_wait),
        method_name="execute_complete",
    )


def wait_in_process(
    ti: RuntimeTaskInstanceProtocol, dag_id: str, run_id: str, poll_interval: float
) -> ChildRun:
    """Poll the run's state every `poll_interval` seconds, holding the worker slot, until it has finished."""
    while (state := run_state(ti, dag_id, run_id)) not in FINISHED:
        time.sleep(poll_interval)
    return ChildRun(dag_id=dag_id, run_id=run_id, state=str(state))


def finished_run(event: Any) -> ChildRun:
    """The run a `DagStateTrigger` / `ChildRunTrigger` event reports."""
    _, data = event
    run_id = data["run_ids"][0]
    return ChildRun(dag_id=data["dag_id"], run_id=run_id, state=state_name(data.get(run_id)))


# --- the task's link -----------------------------------------------------------------------------------
class ChildRunLink(BaseOperatorLink):
    """A button on the task that opens the run it triggered last (subclasses set `name`).

    Computed task-side when the task finishes or defers and stored as an XCom (Airflow 3 serves extra
    links from XCom), so it points at the run of this try, also after a retry.
    """

    name = "Child run"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        run_id = XCom.get_value(ti_key=ti_key, key=TRIGGERED_RUN_ID_KEY)
        dag_id = XCom.get_value(ti_key=ti_key, key=TRIGGERED_DAG_ID_KEY)
        if not run_id or not dag_id:
            return ""
        return dag_run_url(str(dag_id), str(run_id))
