"""DagOperator and SkippableDagOperator: a task that triggers another DAG and waits for it (DAG of DAGs).

Tasks cannot write to the metadata DB (DESIGN §9), so triggering goes through Airflow 3's task-side
mechanism, the one `TriggerDagRunOperator` uses: the task raises `DagRunTriggerException` and the task
runner creates the run through the execution API, then defers with `DagStateTrigger`, so no worker slot
is held while the child runs. `trigger_dag_run` and `child_run_result` are the reusable part (the batch
loop operator triggers one run per batch with them); `ZoomIntoDagLink` is the task's link to the child run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, BaseOperatorLink

from wfo.operators.described import with_description

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.types import TaskInstanceKey

# The task runner stores the triggered run id under this XCom key (`_handle_trigger_dag_run`).
TRIGGERED_RUN_ID_KEY = "trigger_run_id"
# ... and our own key for the triggered DAG id, so the link never depends on re-rendered templates.
TRIGGERED_DAG_ID_KEY = "trigger_dag_id"
DEFAULT_POLL_INTERVAL = 2
SUCCESS = "success"
FAILED = "failed"


class DagRunOrder:
    """What `python_callable` may change before the child run is created (Airflow 1's `DagRunOrder`).

    :param run_id: the child run id; deterministic by default (`<parent run id>__<task id>`) so a retry of
        the parent finds the run it created instead of starting a second one
    :param payload: JSON-serialisable dict passed to the child run as its `conf` (`dag_run.conf`)
    """

    def __init__(self, run_id: str, payload: dict[str, Any] | None = None) -> None:
        self.run_id = run_id
        self.payload = payload

    def __repr__(self) -> str:
        return f"DagRunOrder(run_id={self.run_id!r}, payload={self.payload!r})"


class ChildDagRunFailed(Exception):
    """The triggered run ended in a failed state."""


@dataclass(frozen=True)
class ChildRun:
    """A finished child run, as reported by the trigger that waited for it."""

    dag_id: str
    run_id: str
    state: str


def child_run_id(context: Context, suffix: str | None = None) -> str:
    """The deterministic id of the run a task triggers: `<parent run id>__<task id>[__<map index>][__<suffix>]`.

    The same for every try of the task, so a retry finds (and waits for, or resets) the run the first try
    created instead of triggering a second one.
    """
    ti = context["ti"]
    parts = [ti.run_id, ti.task_id]
    if ti.map_index is not None and ti.map_index >= 0:
        parts.append(str(ti.map_index))
    if suffix:
        parts.append(suffix)
    return "__".join(parts)


def dag_run_url(dag_id: str, run_id: str) -> str:
    """The run's page in Airflow's UI (uses `[api] base_url`, set per instance by `wfo up`)."""
    from airflow.utils.helpers import build_airflow_dagrun_url

    return str(build_airflow_dagrun_url(dag_id=dag_id, run_id=run_id))


def _api_status(error: Exception) -> int | None:
    detail = getattr(getattr(error, "error", None), "detail", None)
    return detail.get("status_code") if isinstance(detail, dict) else None


def _check_dag_can_run(context: Context, dag_id: str) -> None:
    """Fail now, with a message a user can act on, instead of waiting forever for a run that never starts."""
    from airflow.sdk.exceptions import AirflowRuntimeError

    try:
        dag = context["ti"].get_dag(dag_id)
    except AirflowRuntimeError as exc:
        if _api_status(exc) == 404:
            raise ValueError(f"DAG '{dag_id}' does not exist (check run_dag_id)") from exc
        raise
    if dag.is_paused:
        raise RuntimeError(
            f"DAG '{dag_id}' is paused: turn it on (every DAG a master DAG triggers must be on)"
        )


def _existing_run_state(context: Context, dag_id: str, run_id: str) -> str | None:
    ti = context["ti"]
    if not ti.get_dr_count(dag_id=dag_id, run_ids=[run_id]):
        return None
    state = ti.get_dagrun_state(dag_id=dag_id, run_id=run_id)
    # A `DagRunState` member on the task side; its str() is "DagRunState.FAILED", not "failed".
    return str(getattr(state, "value", state))


def trigger_dag_run(
    context: Context,
    *,
    dag_id: str,
    run_id: str,
    conf: dict[str, Any] | None,
    poll_interval: int = DEFAULT_POLL_INTERVAL,
    reset_dag_run: bool = True,
    note: str | None = None,
) -> ChildRun | None:
    """Trigger `dag_id` as run `run_id` and wait for it without holding a worker slot.

    Normally never returns: it raises what hands the task over to Airflow (`DagRunTriggerException`, or
    `TaskDeferred` when the run already exists), and Airflow resumes the task in its
    ``execute_complete(context, event)`` once the run has finished; pass `event` to `child_run_result`.

    A run with this id may already exist when the task is retried or cleared:

    * queued or running: wait for it (never a second run);
    * finished, `reset_dag_run=True`: clear it so it runs again (Airflow keeps its first `conf`);
    * finished, `reset_dag_run=False`: reuse its result: returns the `ChildRun` when it succeeded,
      raises `ChildDagRunFailed` when it failed.
    """
    from airflow.providers.standard.triggers.external_task import DagStateTrigger
    from airflow.sdk import timezone
    from airflow.sdk.exceptions import DagRunTriggerException, TaskDeferred

    try:
        json.dumps(conf)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the conf of the run of '{dag_id}' must be JSON-serialisable: {exc}") from exc
    if conf is not None and not isinstance(conf, dict):
        raise TypeError(f"the conf of the run of '{dag_id}' must be a dict, not {type(conf).__name__}")

    _check_dag_can_run(context, dag_id)
    ti = context["ti"]
    log = context["task"].log
    ti.xcom_push(key=TRIGGERED_DAG_ID_KEY, value=dag_id)
    state = _existing_run_state(context, dag_id, run_id)
    url = dag_run_url(dag_id, run_id)
    if state in (SUCCESS, FAILED) and not reset_dag_run:
        ti.xcom_push(key=TRIGGERED_RUN_ID_KEY, value=run_id)
        log.info("Run %s of %s already finished (%s): reusing its result: %s", run_id, dag_id, state, url)
        return child_run_result(("", {"dag_id": dag_id, "run_ids": [run_id], run_id: state}))
    if state is not None and state not in (SUCCESS, FAILED):
        ti.xcom_push(key=TRIGGERED_RUN_ID_KEY, value=run_id)
        log.info("Run %s of %s already exists (%s): waiting for it: %s", run_id, dag_id, state, url)
        raise TaskDeferred(
            trigger=DagStateTrigger(
                dag_id=dag_id,
                states=[SUCCESS, FAILED],  # type: ignore[list-item]
                run_ids=[run_id],
                execution_dates=None,
                poll_interval=poll_interval,
            ),
            method_name="execute_complete",
        )
    if state is not None:
        log.info(
            "Run %s of %s already finished (%s): clearing it to run it again: %s", run_id, dag_id, state, url
        )
    else:
        log.info("Triggering %s as run %s with conf %s: %s", dag_id, run_id, conf or {}, url)
    raise DagRunTriggerException(
        trigger_dag_id=dag_id,
        dag_run_id=run_id,
        conf=conf or {},
        logical_date=timezone.utcnow(),
        # Only reached for a finished run when resetting: the execution API then clears it.
        reset_dag_run=state is not None,
        skip_when_already_exists=False,
        wait_for_completion=True,
        allowed_states=[SUCCESS],
        failed_states=[FAILED],
        poke_interval=poll_interval,
        deferrable=True,
        note=note,
    )


def child_run_result(event: Any) -> ChildRun:
    """The finished child run from a `DagStateTrigger` event; raises `ChildDagRunFailed` if it failed."""
    _, data = event
    run_id = data["run_ids"][0]
    state = data.get(run_id)
    result = ChildRun(dag_id=data["dag_id"], run_id=run_id, state=str(getattr(state, "value", state)))
    if result.state != SUCCESS:
        raise ChildDagRunFailed(
            f"DAG '{result.dag_id}' run '{result.run_id}' ended in state {result.state}: "
            f"{dag_run_url(result.dag_id, result.run_id)}"
        )
    return result


class ZoomIntoDagLink(BaseOperatorLink):
    """The manual's "Zoom into DAG": a button on the task that opens the run it triggered.

    Computed task-side when the task finishes or defers and stored as an XCom (Airflow 3 serves extra
    links from XCom), so it points at the run of this try, also after a retry.
    """

    name = "Zoom into DAG"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        run_id = XCom.get_value(ti_key=ti_key, key=TRIGGERED_RUN_ID_KEY)
        dag_id = XCom.get_value(ti_key=ti_key, key=TRIGGERED_DAG_ID_KEY)
        if not run_id or not dag_id:
            return ""
        return dag_run_url(str(dag_id), str(run_id))


class DagOperator(BaseOperator):
    """Trigger another DAG, pass it a payload, and wait for it; fail if it fails.

    :param run_dag_id: the DAG to run (templated); it must be on (unpaused)
    :param python_callable: ``f(context, dag_run_obj)`` deciding whether to trigger: return `dag_run_obj`
        (after setting ``dag_run_obj.payload``, the child's ``dag_run.conf``) to trigger, or nothing to
        not trigger. Without a callable the DAG is always triggered, with an empty conf.
    :param poll_interval: seconds between two checks of the child run while the task is deferred
    :param reset_dag_run: when a retried or cleared task finds the child run it created already finished,
        run it again (True) or reuse its result (False)
    :param params: as for every operator; available to the callable as ``context['params']``

    When the callable returns nothing, a `DagOperator` succeeds without triggering (downstream tasks run),
    a `SkippableDagOperator` is skipped (downstream tasks are skipped by the default trigger rule).
    """

    template_fields: Sequence[str] = ("run_dag_id",)
    ui_color = "#ffefeb"
    operator_extra_links = (ZoomIntoDagLink(),)
    skip_when_not_triggered = False

    def __init__(
        self,
        *,
        run_dag_id: str,
        python_callable: Callable[..., Any] | None = None,
        poll_interval: int = DEFAULT_POLL_INTERVAL,
        reset_dag_run: bool = True,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_description(kwargs, description))
        if python_callable is not None and not callable(python_callable):
            raise TypeError(f"python_callable of task '{self.task_id}' must be callable")
        if poll_interval <= 0:
            raise ValueError(f"poll_interval of task '{self.task_id}' must be positive")
        self.run_dag_id = run_dag_id
        self.python_callable = python_callable
        self.poll_interval = poll_interval
        self.reset_dag_run = reset_dag_run

    def execute(self, context: Context) -> str | None:
        order = DagRunOrder(run_id=child_run_id(context))
        if self.python_callable is not None:
            decision = self.python_callable(context, order)
            if not decision:
                self._not_triggered()
                return None
            if isinstance(decision, DagRunOrder):
                order = decision
        ti = context["ti"]
        note = f"Triggered by {ti.dag_id} / {ti.run_id} / {ti.task_id}"
        done = trigger_dag_run(
            context,
            dag_id=self.run_dag_id,
            run_id=order.run_id,
            conf=order.payload,
            poll_interval=self.poll_interval,
            reset_dag_run=self.reset_dag_run,
            note=note,
        )
        return done.run_id if done else None

    def _not_triggered(self) -> None:
        message = f"python_callable returned nothing: {self.run_dag_id} not triggered"
        if self.skip_when_not_triggered:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(message)
        self.log.info(message)
        return None

    def execute_complete(self, context: Context, event: Any = None) -> str:
        """Resumed by Airflow when the child run has finished: succeed or fail like it."""
        from airflow.sdk.exceptions import AirflowException

        try:
            result = child_run_result(event)
        except ChildDagRunFailed as exc:
            raise AirflowException(str(exc)) from exc
        self.log.info(
            "DAG %s run %s succeeded: %s",
            result.dag_id,
            result.run_id,
            dag_run_url(result.dag_id, result.run_id),
        )
        return result.run_id


class SkippableDagOperator(DagOperator):
    """A `DagOperator` that is skipped, not successful, when its callable decides not to trigger."""

    skip_when_not_triggered = True
