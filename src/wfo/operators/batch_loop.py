"""CoutureLoopableBatchOperator: run a DAG once per batch of rows of a CSV, resuming after a failure.

Child runs are created in the task's own execution (`wfo.operators.child_runs.trigger_in_process`, so one
execution may start many), with deterministic ids `<run_id>__batch_<k>`, and watched every `poll_interval`
seconds. By default the task waits in the worker and loops over all batches in one execution. With
`deferrable=True` it defers once per batch (the worker slot is free while a child runs) and continues in
`execute_complete`; see `DEFER_MIN_WAIT` for why each deferred batch then takes at least 10 s on
Airflow 3.3.2.

Resume state lives in Airflow's task state store (`context["task_state_store"]`, new in 3.3), which
survives retries and clears (XCom does not): the next batch's number and its byte position in the file,
so a retry re-reads neither the skipped offset nor the finished batches, and re-runs the failed batch's
child run in place (`reset_dag_run`). The key is deleted when the loop succeeds, so clearing a succeeded
loop task runs every batch again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from wfo.operators import child_runs
from wfo.operators.child_runs import ChildDagRunFailed, ChildRun, ChildRunLink
from wfo.operators.csv_batches import CsvBatchError, validate_parameters
from wfo.operators.described import with_description

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.sdk.execution_time.context import TaskStateStoreAccessor

    from wfo.operators.csv_batches import Batch, CsvBatches

STATE_KEY = "wfo_batch_loop"
# Airflow 3.3.2 fails a resumed deferred task when the trigger fires before the scheduler has processed the
# executor's "success" for the deferring process (apache/airflow#67287, #72716; the worker took ~5 s to
# report it here). The deferrable mode therefore never reports a batch's end sooner than this.
DEFER_MIN_WAIT = 10.0


class CurrentBatchRunLink(ChildRunLink):
    """Link from the loop task to the child run of the batch it triggered last ("Zoom into DAG")."""

    name = "Current batch run"


class CoutureLoopableBatchOperator(BaseOperator):
    """Trigger `run_dag_id` once per batch of CSV rows, passing the rows as ``conf["metadata_df"]``.

    :param run_dag_id: DAG to run for each batch
    :param metadata_file: the CSV (with a header row): a path or any fsspec URL (``file://``, ``http(s)://``,
        ``s3://``, ``ftp://``...); the manual's ``file://localhost/path`` form is accepted. Read streaming.
    :param batch_size: rows per batch (default 10)
    :param batch_offset: rows of the file (after the header) to skip before the first batch (default 0)
    :param filter_by: column whose value must be in `filter_values` for a row to be sent (default: all rows)
    :param filter_values: the accepted values (compared as strings)
    :param poll_interval: seconds between checks of a batch's run (default 2)
    :param deferrable: wait for each batch's run in the triggerer instead of the worker (frees the worker
        slot for long batches; each batch then takes at least 10 s, see `DEFER_MIN_WAIT`)
    :param encoding: the file's text encoding (default utf-8; must be ASCII-compatible)
    :param fast_skip: skip the offset by counting records at byte level (default); False skips with the
        csv module (exact for files with stray quotes inside unquoted fields, slower)
    :param storage_options: passed to fsspec (e.g. credentials for s3)
    """

    template_fields: Sequence[str] = (
        "run_dag_id",
        "metadata_file",
        "batch_size",
        "batch_offset",
        "filter_by",
        "filter_values",
    )
    ui_color = "#c8e6c9"
    operator_extra_links = (CurrentBatchRunLink(),)

    def __init__(
        self,
        *,
        run_dag_id: str,
        metadata_file: str,
        batch_size: int = 10,
        batch_offset: int = 0,
        filter_by: str | None = None,
        filter_values: Sequence[Any] | None = None,
        poll_interval: float = 2.0,
        deferrable: bool = False,
        encoding: str = "utf-8",
        fast_skip: bool = True,
        storage_options: dict[str, Any] | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_description(kwargs, description))
        self.run_dag_id = run_dag_id
        self.metadata_file = metadata_file
        self.batch_size = batch_size
        self.batch_offset = batch_offset
        self.filter_by = filter_by
        self.filter_values = filter_values
        self.poll_interval = poll_interval
        self.deferrable = deferrable
        self.encoding = encoding
        self.fast_skip = fast_skip
        self.storage_options = storage_options
        if not any(isinstance(v, str) and "{{" in v for v in (batch_size, batch_offset, filter_values)):
            try:  # templated values are checked once rendered, in execute()
                validate_parameters(batch_size, batch_offset, filter_by, filter_values)
            except CsvBatchError as exc:
                raise ValueError(f"{self.task_id}: {exc}") from exc

    # --- execution -------------------------------------------------------------------------------------
    def execute(self, context: Context) -> Any:
        reader = self._reader()
        child_runs.check_dag_can_run(context["ti"], self.run_dag_id)
        store = context["task_state_store"]
        state = store.get(STATE_KEY)
        if isinstance(state, dict) and state.get("fingerprint") == self._fingerprint():
            self.log.info("Resuming the loop at batch %s (state from an earlier try)", state["batch"])
            return self._loop(context, reader, store, state)
        if state is not None:
            self.log.warning("The loop's parameters changed since the last try: starting over")
        start = reader.start()
        self.log.info(
            "Looping over %s in batches of %s from row %s", reader.url, reader.batch_size, start.row + 1
        )
        fresh: dict[str, Any] = {
            "fingerprint": self._fingerprint(),
            "batch": 1,
            "position": start.position,
            "row": start.row,
            "rows_sent": 0,
            "triggered": 0,
        }
        return self._loop(context, reader, store, fresh)

    def execute_complete(self, context: Context, event: tuple[str, dict[str, Any]]) -> Any:
        """Back from waiting (deferrable mode) for a batch's run: fail naming its rows, or go on."""
        store = context["task_state_store"]
        state = store.get(STATE_KEY)
        if not isinstance(state, dict):
            raise RuntimeError(f"the loop's state is missing from the task state store ({STATE_KEY})")
        state = self._batch_done(store, state, child_runs.finished_run(event))
        return self._loop(context, self._reader(), store, state)

    # --- steps ---------------------------------------------------------------------------------------------
    def _loop(
        self, context: Context, reader: CsvBatches, store: TaskStateStoreAccessor, state: dict[str, Any]
    ) -> Any:
        """Run batches until none is left; in deferrable mode, until the first wait (which defers)."""
        while True:
            run_id = self._start_batch(context, reader, store, state)
            if run_id is None:
                summary = {"batches": state["batch"] - 1, "rows": state["rows_sent"]}
                self.log.info("Loop finished: %s batches, %s rows", summary["batches"], summary["rows"])
                return summary
            if self.deferrable:
                child_runs.defer_until_finished(
                    dag_id=self.run_dag_id,
                    run_id=run_id,
                    poll_interval=self.poll_interval,
                    min_wait=DEFER_MIN_WAIT,
                )
            run = child_runs.wait_in_process(context["ti"], self.run_dag_id, run_id, self.poll_interval)
            state = self._batch_done(store, state, run)

    def _start_batch(
        self, context: Context, reader: CsvBatches, store: TaskStateStoreAccessor, state: dict[str, Any]
    ) -> str | None:
        """Make sure the run of the batch `state` points at exists and is not failed; None when done.

        Updates `state` in place (and in the store) to record the batch as triggered.
        """
        from wfo.operators.csv_batches import Cursor

        while True:
            number = state["batch"]
            batch = reader.batch(number, Cursor(state["position"], state["row"]))
            if batch is None:
                store.delete(STATE_KEY)  # a clear after success starts over
                return None
            run_id = child_runs.batch_run_id(context["run_id"], number)
            resumed = state.get("triggered") == number
            state.update(
                triggered=number,
                current={
                    "first_row": batch.first_row,
                    "last_row": batch.last_row,
                    "rows": len(batch.rows),
                    "next_position": batch.next.position,
                    "next_row": batch.next.row,
                },
            )
            store.set(STATE_KEY, state)
            previous = child_runs.run_state(context["ti"], self.run_dag_id, run_id) if resumed else None
            if previous == "success":
                self.log.info("Batch %s already succeeded (run %s)", number, run_id)
                state.update(_advanced(state))
                continue
            if previous in ("queued", "running"):
                self.log.info("Batch %s is still running (run %s): waiting for it", number, run_id)
                return run_id
            self.log.info(
                "Batch %s: %s (%s rows) -> %s run %s",
                number,
                batch.row_range,
                len(batch.rows),
                self.run_dag_id,
                run_id,
            )
            self._trigger(run_id, batch, context)
            return run_id

    def _trigger(self, run_id: str, batch: Batch, context: Context) -> None:
        """Create the batch's run. An existing run of this id is a failed try of this batch, or a run from
        before the loop task was cleared: it is run again in place (with its original conf)."""
        dag_id, parent_run_id = context["dag"].dag_id, context["run_id"]
        child_runs.trigger_in_process(
            context["ti"],
            dag_id=self.run_dag_id,
            run_id=run_id,
            conf={
                "metadata_df": batch.records_json(),
                "batch_number": batch.number,
                "first_row": batch.first_row,
                "last_row": batch.last_row,
                "parent_dag_id": dag_id,
                "parent_run_id": parent_run_id,
            },
            note=f"batch {batch.number} of {dag_id} {parent_run_id}: {batch.row_range}",
        )

    def _batch_done(
        self, store: TaskStateStoreAccessor, state: dict[str, Any], run: ChildRun
    ) -> dict[str, Any]:
        """Record a finished batch; raise naming its rows when its run failed."""
        if not run.succeeded:
            current = state.get("current", {})
            rows = f"rows {current.get('first_row')}-{current.get('last_row')}"
            raise ChildDagRunFailed(
                run,
                f"Batch {state['batch']} ({rows} of {self.metadata_file}) failed: run {run.run_id} of DAG "
                f"{run.dag_id} ended {run.state}. {state['batch'] - 1} earlier batches succeeded; a retry "
                f"or a clear of this task resumes at batch {state['batch']}.",
            )
        advanced = _advanced(state)
        store.set(STATE_KEY, advanced)
        return advanced

    def _reader(self) -> CsvBatches:
        from wfo.operators.csv_batches import CsvBatches

        try:
            return CsvBatches(
                self.metadata_file,
                batch_size=_as_int(self.batch_size),
                offset=_as_int(self.batch_offset),
                filter_by=self.filter_by,
                filter_values=self.filter_values,
                encoding=self.encoding,
                fast_skip=self.fast_skip,
                storage_options=self.storage_options,
            )
        except CsvBatchError as exc:
            raise ValueError(f"{self.task_id}: {exc}") from exc

    def _fingerprint(self) -> str:
        """Identifies the loop's input: state saved for other parameters is not resumed."""
        values = sorted(str(v) for v in self.filter_values) if self.filter_values is not None else None
        key = [
            self.run_dag_id,
            self.metadata_file,
            self.batch_size,
            self.batch_offset,
            self.filter_by,
            values,
        ]
        return hashlib.sha256(json.dumps(key, default=str).encode()).hexdigest()[:16]


def _advanced(state: dict[str, Any]) -> dict[str, Any]:
    """The state after the batch it points at succeeded."""
    current = state["current"]
    return {
        **state,
        "batch": state["batch"] + 1,
        "position": current["next_position"],
        "row": current["next_row"],
        "rows_sent": state["rows_sent"] + current["rows"],
    }


def _as_int(value: Any) -> Any:
    """Templated numbers render as strings (unless the DAG renders native objects)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value
