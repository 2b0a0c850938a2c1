"""The sla-monitor component of `wfo up`: finds task instances past their SLA and records them once.

`python -m wfo.sla.monitor` runs next to the scheduler with the instance's Airflow configuration. Every
`POLL_SECONDS` it reads which DAG versions carry SLAs (`serialized_dag`, re-read only when a version's
hash changes), the runs of those versions started within the horizon, and, for each task whose deadline
(run start + sla) has passed and that is not settled yet, the task instance's state. A miss is a row of
`wfo_sla_miss` (unique per DAG, run and task: a retry, a restart or a second monitor cannot duplicate it);
whoever inserts the row notifies (`wfo.sla.notify`). Between polls it sleeps until the next known deadline,
so a miss is recorded well within a second of its deadline. It never runs DAG code.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from wfo.db.models import SlaMiss
from wfo.sla.definitions import DagSlas, dag_slas
from wfo.sla.detection import InstanceState, Recorded, expected_by, met, state_at_detection

POLL_SECONDS = 1.0
# How often the list of DAG versions is re-read (a new version is also read when a run names it).
VERSIONS_SECONDS = 2.0
# Full re-read of the DAG versions list (forgets deleted ones); in between only recent updates are listed.
FULL_READ_SECONDS = 300.0
UPDATE_OVERLAP_SECONDS = 30.0
# Deadlines missed while the monitor was down are still recorded when it comes back within this.
CATCH_UP_SECONDS = 3600.0


@dataclass(frozen=True)
class RunRow:
    dag_id: str
    run_id: str
    started_at: dt.datetime
    version_id: Any


@dataclass
class SlaMonitor:
    session_factory: Callable[[], Session]
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    versions: dict[Any, tuple[str, DagSlas | None]] = field(default_factory=dict)
    # (dag_id, run_id, task_id) already met or recorded: not looked at again.
    settled: set[tuple[str, str, str]] = field(default_factory=set)
    next_due: dt.datetime | None = None
    # Airflow deadline ids (DAG-level `deadline=` alerts) already copied to the page.
    deadlines_seen: set[Any] = field(default_factory=set)
    _versions_read: float = 0.0
    _full_read: float = float("-inf")
    _updated_since: dt.datetime | None = None
    _deadlines_read: float = 0.0

    def refresh_versions(self, session: Session, force: bool = False) -> None:
        """Read the SLAs of new or changed DAG versions. Between full reads (every `FULL_READ_SECONDS`,
        which also forget deleted versions) only rows updated lately are listed, so an idle monitor's
        cost does not grow with the number of DAG versions."""
        from airflow.models.serialized_dag import SerializedDagModel

        if not force and time.monotonic() - self._versions_read < VERSIONS_SECONDS:
            return
        full = time.monotonic() - self._full_read >= FULL_READ_SECONDS
        query = select(SerializedDagModel.dag_version_id, SerializedDagModel.dag_hash)
        if not full and self._updated_since is not None:
            query = query.where(SerializedDagModel.last_updated >= self._updated_since)
        read_at = dt.datetime.now(dt.UTC)
        self._versions_read = time.monotonic()
        rows = session.execute(query).all()
        changed = [version for version, dag_hash in rows if self.versions.get(version, ("",))[0] != dag_hash]
        if changed:
            for model in session.scalars(
                select(SerializedDagModel).where(SerializedDagModel.dag_version_id.in_(changed))
            ):
                data = model.data
                self.versions[model.dag_version_id] = (model.dag_hash, dag_slas(data) if data else None)
        if full:
            present = {version for version, _hash in rows}
            for gone in set(self.versions) - present:
                del self.versions[gone]
            self._full_read = time.monotonic()
        # Overlapping windows: a row committed late with an earlier last_updated is still seen.
        self._updated_since = read_at - dt.timedelta(seconds=UPDATE_OVERLAP_SECONDS)

    def slas_of(self, version: Any) -> DagSlas | None:
        found = self.versions.get(version)
        return found[1] if found else None

    def candidate_runs(self, session: Session, now: dt.datetime) -> list[RunRow]:
        from airflow.models.dagrun import DagRun

        with_slas = [version for version, (_hash, slas) in self.versions.items() if slas is not None]
        if not with_slas:
            return []
        longest = max(
            max(t.seconds for t in slas.tasks.values()) for _h, slas in self.versions.values() if slas
        )
        since = now - dt.timedelta(seconds=longest + CATCH_UP_SECONDS)
        rows = session.execute(
            select(DagRun.dag_id, DagRun.run_id, DagRun.start_date, DagRun.created_dag_version_id).where(
                DagRun.created_dag_version_id.in_(with_slas),
                DagRun.start_date.is_not(None),
                DagRun.start_date >= since,
            )
        ).all()
        return [RunRow(dag_id, run_id, start, version) for dag_id, run_id, start, version in rows if start]

    def instances(self, session: Session, run: RunRow, task_ids: list[str]) -> dict[str, list[InstanceState]]:
        from airflow.models.taskinstance import TaskInstance

        found: dict[str, list[InstanceState]] = {task_id: [] for task_id in task_ids}
        for task_id, state, end_date in session.execute(
            select(TaskInstance.task_id, TaskInstance.state, TaskInstance.end_date).where(
                TaskInstance.dag_id == run.dag_id,
                TaskInstance.run_id == run.run_id,
                TaskInstance.task_id.in_(task_ids),
            )
        ):
            found[task_id].append(InstanceState(str(state) if state is not None else None, end_date))
        return found

    def already_recorded(self, session: Session, run: RunRow) -> set[str]:
        return set(
            session.scalars(
                select(SlaMiss.task_id).where(SlaMiss.dag_id == run.dag_id, SlaMiss.run_id == run.run_id)
            )
        )

    def check(self) -> list[Recorded]:
        """One pass: record the misses now due; return those this monitor inserted."""
        now = self.now()
        recorded: list[Recorded] = []
        self.next_due = None
        with self.session_factory() as session:
            self.refresh_versions(session)
            runs = self.candidate_runs(session, now)
            unknown = any(run.version_id not in self.versions for run in runs)
            if unknown:
                self.refresh_versions(session, force=True)
            live = set()
            for run in runs:
                slas = self.slas_of(run.version_id)
                if slas is None:
                    continue
                due: list[str] = []
                for task_id, sla in slas.tasks.items():
                    key = (run.dag_id, run.run_id, task_id)
                    live.add(key)
                    if key in self.settled:
                        continue
                    deadline = expected_by(run.started_at, sla.seconds)
                    if deadline <= now:
                        due.append(task_id)
                    elif self.next_due is None or deadline < self.next_due:
                        self.next_due = deadline
                if due:
                    recorded += self._decide(session, run, slas, due, now)
            self.settled &= live
            self.copy_missed_deadlines(session, now)
        return recorded

    def copy_missed_deadlines(self, session: Session, now: dt.datetime) -> None:
        """DAG-level `deadline=` alerts are Airflow's own (the scheduler marks them missed and runs their
        callback); a missed one is copied to `wfo_sla_miss` (kind "deadline", no task) to show on the page."""
        from airflow.models.callback import Callback
        from airflow.models.dagrun import DagRun
        from airflow.models.deadline import Deadline

        if time.monotonic() - self._deadlines_read < VERSIONS_SECONDS:
            return
        self._deadlines_read = time.monotonic()
        since = now - dt.timedelta(seconds=CATCH_UP_SECONDS)
        rows = session.execute(
            select(
                Deadline.id,
                Deadline.deadline_time,
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.start_date,
                DagRun.queued_at,
                DagRun.state,
                Callback.state,
            )
            .join(DagRun, DagRun.id == Deadline.dagrun_id)
            .join(Callback, Callback.id == Deadline.callback_id, isouter=True)
            .where(Deadline.missed.is_(True), Deadline.deadline_time >= since)
        ).all()
        for deadline_id, deadline_time, dag_id, run_id, started, queued, run_state, callback_state in rows:
            if deadline_id in self.deadlines_seen:
                continue
            self.deadlines_seen.add(deadline_id)
            reference = started or queued or deadline_time
            miss = SlaMiss(
                kind="deadline",
                dag_id=dag_id,
                run_id=run_id,
                task_id="",
                sla_seconds=max((deadline_time - reference).total_seconds(), 0.0),
                run_started_at=reference,
                expected_by=deadline_time,
                detected_at=now,
                state_at_detection=str(run_state) if run_state is not None else None,
                notified=False,
                notification=f"Airflow deadline alert; its callback: {callback_state or 'pending'}",
            )
            try:
                session.add(miss)
                session.commit()
            except IntegrityError:
                session.rollback()  # this run's deadline is on the page already

    def _decide(
        self, session: Session, run: RunRow, slas: DagSlas, due: list[str], now: dt.datetime
    ) -> list[Recorded]:
        instances = self.instances(session, run, due)
        done = self.already_recorded(session, run)
        inserted: list[Recorded] = []
        for task_id in due:
            key = (run.dag_id, run.run_id, task_id)
            sla = slas.tasks[task_id]
            deadline = expected_by(run.started_at, sla.seconds)
            if task_id in done or met(deadline, instances[task_id]):
                self.settled.add(key)
                continue
            miss = SlaMiss(
                kind="task",
                dag_id=run.dag_id,
                run_id=run.run_id,
                task_id=task_id,
                sla_seconds=sla.seconds,
                run_started_at=run.started_at,
                expected_by=deadline,
                detected_at=now,
                state_at_detection=state_at_detection(instances[task_id]),
                notified=False,
            )
            try:
                session.add(miss)
                session.commit()
            except IntegrityError:
                session.rollback()  # recorded by another monitor meanwhile: it notifies
            else:
                inserted.append(
                    Recorded(
                        miss.id,
                        run.dag_id,
                        run.run_id,
                        task_id,
                        sla.seconds,
                        deadline,
                        now,
                        miss.state_at_detection,
                        sla.emails,
                        sla.callback,
                        slas.fileloc,
                    )
                )
            self.settled.add(key)
        return inserted

    def seconds_to_sleep(self) -> float:
        if self.next_due is None:
            return POLL_SECONDS
        ahead = (self.next_due - self.now()).total_seconds()
        return min(POLL_SECONDS, max(ahead, 0.02))


def run_forever(monitor: SlaMonitor, notify: Callable[[list[Recorded]], None]) -> int:
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("sla-monitor: watching task SLAs", flush=True)
    while not stopping:
        try:
            recorded = monitor.check()
        except OperationalError as exc:  # e.g. SQLite busy while the scheduler writes: next poll
            print(f"sla-monitor: database busy, retrying: {exc.orig}", file=sys.stderr, flush=True)
            recorded = []
        except SQLAlchemyError as exc:  # the database went away or a query failed: retried next poll
            print(f"sla-monitor: database error, retrying: {exc}", file=sys.stderr, flush=True)
            recorded = []
            time.sleep(POLL_SECONDS)
        if recorded:
            print(
                "sla-monitor: recorded "
                + ", ".join(f"{r.dag_id}.{r.task_id} ({r.run_id})" for r in recorded),
                flush=True,
            )
            try:
                notify(recorded)
            except Exception as exc:  # noqa: BLE001 - a failed notification must not stop the platform
                # (wfo up stops every component when one exits); the misses stay recorded, not notified.
                print(f"sla-monitor: notification failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        time.sleep(monitor.seconds_to_sleep())
    return 0
