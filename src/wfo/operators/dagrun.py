"""DagOperator and SkippableDagOperator: a task that triggers another DAG and waits for it (DAG of DAGs).

The child run is created and awaited through `wfo.operators.child_runs` (the task runner's trigger
mechanism, then a deferral, so no worker slot is held while the child runs). What lives here is the
operator's policy: the manual's `python_callable(context, dag_run_obj)` deciding whether and how to
trigger, and what to do with a run of the same id that already exists (after a retry or a clear).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from wfo.operators import child_runs
from wfo.operators.child_runs import (
    DEFAULT_POLL_INTERVAL,
    FINISHED,
    ChildDagRunFailed,
    ChildRun,
    ChildRunLink,
)
from wfo.operators.described import with_description

if TYPE_CHECKING:
    from airflow.sdk import Context


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


class ZoomIntoDagLink(ChildRunLink):
    """The manual's "Zoom into DAG": a button on the task that opens the run it triggered."""

    name = "Zoom into DAG"


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
        order = DagRunOrder(run_id=child_runs.child_run_id(context["ti"]))
        if self.python_callable is not None:
            decision = self.python_callable(context, order)
            if not decision:
                self._not_triggered()
                return None
            if isinstance(decision, DagRunOrder):
                order = decision
        return self._trigger_or_join(context, order).run_id

    def _trigger_or_join(self, context: Context, order: DagRunOrder) -> ChildRun:
        """Trigger the child as `order.run_id` and wait for it deferred (resuming in `execute_complete`).

        Normally never returns (it raises what hands the task over to Airflow). A run with this id may
        already exist when the task is retried or cleared:

        * queued or running: wait for it (never a second run);
        * finished, `reset_dag_run=True`: clear it so it runs again (Airflow keeps its first `conf`);
        * finished, `reset_dag_run=False`: reuse its result: returns it when it succeeded, raises
          `ChildDagRunFailed` when it failed.
        """
        ti = context["ti"]
        dag_id, run_id = self.run_dag_id, order.run_id
        conf = child_runs.checked_conf(dag_id, order.payload)
        child_runs.check_dag_can_run(ti, dag_id)
        ti.xcom_push(key=child_runs.TRIGGERED_DAG_ID_KEY, value=dag_id)
        state = child_runs.run_state(ti, dag_id, run_id)
        url = child_runs.dag_run_url(dag_id, run_id)
        log = self.log
        if state in FINISHED and not self.reset_dag_run:
            ti.xcom_push(key=child_runs.TRIGGERED_RUN_ID_KEY, value=run_id)
            log.info("Run %s of %s already finished (%s): reusing its result: %s", run_id, dag_id, state, url)
            run = ChildRun(dag_id=dag_id, run_id=run_id, state=str(state))
            if not run.succeeded:
                raise ChildDagRunFailed(run)
            return run
        if state is not None and state not in FINISHED:
            ti.xcom_push(key=child_runs.TRIGGERED_RUN_ID_KEY, value=run_id)
            log.info("Run %s of %s already exists (%s): waiting for it: %s", run_id, dag_id, state, url)
            child_runs.defer_until_finished(dag_id=dag_id, run_id=run_id, poll_interval=self.poll_interval)
        if state is not None:
            message = "Run %s of %s already finished (%s): clearing it to run it again: %s"
            log.info(message, run_id, dag_id, state, url)
        else:
            log.info("Triggering %s as run %s with conf %s: %s", dag_id, run_id, conf, url)
        child_runs.trigger_and_defer(
            dag_id=dag_id,
            run_id=run_id,
            conf=conf,
            poll_interval=self.poll_interval,
            # Only a finished run gets here when it exists: the execution API then clears it.
            reset_dag_run=state is not None,
            note=f"Triggered by {ti.dag_id} / {ti.run_id} / {ti.task_id}",
        )

    def _not_triggered(self) -> None:
        message = f"python_callable returned nothing: {self.run_dag_id} not triggered"
        if self.skip_when_not_triggered:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(message)
        self.log.info(message)
        return None

    def execute_complete(self, context: Context, event: Any = None) -> str:
        """Resumed by Airflow when the child run has finished: succeed or fail like it."""
        run = child_runs.finished_run(event)
        if not run.succeeded:
            raise ChildDagRunFailed(run)
        self.log.info("DAG %s run %s succeeded: %s", run.dag_id, run.run_id, run.url)
        return run.run_id


class SkippableDagOperator(DagOperator):
    """A `DagOperator` that is skipped, not successful, when its callable decides not to trigger."""

    skip_when_not_triggered = True
