"""The miss rule: succeeded (or skipped) by run start + sla, else a miss."""

from __future__ import annotations

import datetime as dt

from wfo.sla.detection import InstanceState, expected_by, met, state_at_detection

START = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
DEADLINE = expected_by(START, 5)


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


def test_deadline_is_run_start_plus_sla() -> None:
    assert DEADLINE == at(5)


def test_success_in_time_meets_the_sla() -> None:
    assert met(DEADLINE, [InstanceState("success", at(2))])
    assert met(DEADLINE, [InstanceState("skipped", at(1))])


def test_late_success_running_queued_upstream_failed_and_no_instance_miss() -> None:
    assert not met(DEADLINE, [InstanceState("success", at(7))])
    for state in ("running", "queued", "scheduled", None, "upstream_failed", "failed", "up_for_retry"):
        assert not met(DEADLINE, [InstanceState(state, None)]), state
    assert not met(DEADLINE, [])


def test_a_mapped_task_meets_it_only_when_every_index_does() -> None:
    assert not met(DEADLINE, [InstanceState("success", at(1)), InstanceState("running", None)])
    assert state_at_detection([InstanceState("success", at(1)), InstanceState("running", None)]) == "running"
    assert state_at_detection([]) is None
