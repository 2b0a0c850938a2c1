"""When a task instance has missed its SLA: the rule, apart from the database (unit-tested)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# States that settle a task instance in time when reached by the deadline: it succeeded, or Airflow
# decided it does not run (skipped by a branch or a short-circuit, removed from the DAG).
MET_STATES = frozenset({"success", "skipped", "removed"})


@dataclass(frozen=True)
class InstanceState:
    """One task instance (one map index) as the metadata DB has it."""

    state: str | None
    end_date: dt.datetime | None


def expected_by(run_started_at: dt.datetime, sla_seconds: float) -> dt.datetime:
    """The SLA's deadline: the DAG run's start_date (when the scheduler set it running) plus `sla`."""
    return run_started_at + dt.timedelta(seconds=sla_seconds)


def met(deadline: dt.datetime, instances: list[InstanceState]) -> bool:
    """Every map index reached a settling state by the deadline (a task with no instance has not)."""
    if not instances:
        return False
    return all(
        one.state in MET_STATES and (one.end_date is None or one.end_date <= deadline) for one in instances
    )


def state_at_detection(instances: list[InstanceState]) -> str | None:
    """What the page shows for a miss: the least advanced state among the map indexes."""
    order = [
        None,
        "scheduled",
        "queued",
        "up_for_retry",
        "up_for_reschedule",
        "deferred",
        "restarting",
        "running",
        "upstream_failed",
        "failed",
        "skipped",
        "removed",
        "success",
    ]
    states = [one.state for one in instances] or [None]
    return min(states, key=lambda state: order.index(state) if state in order else 0)


@dataclass(frozen=True)
class Recorded:
    """A miss this monitor inserted (and must notify), with what the notification needs."""

    miss_id: int
    dag_id: str
    run_id: str
    task_id: str
    sla_seconds: float
    expected_by: dt.datetime
    detected_at: dt.datetime
    state: str | None
    emails: tuple[str, ...]
    callback: bool
    fileloc: str
