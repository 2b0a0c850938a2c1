"""Listing and annotating misses: only readable DAGs, filters combined, hidden misses answer like missing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from wfo.db.models import SlaMiss
from wfo.sla.errors import BadSlaFilter, SlaMissNotFound
from wfo.sla.schemas import SlaMissFilter
from wfo.sla.service import DagReadAccess, list_misses, set_note

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def stored(session: Session) -> Session:
    for i, (dag_id, task_id, notified) in enumerate(
        [("a", "x", True), ("a", "y", False), ("b", "x", False), ("a", "x2", False)]
    ):
        at = T0 + dt.timedelta(minutes=i)
        session.add(
            SlaMiss(
                id=i + 1,
                dag_id=dag_id,
                run_id=f"r{i}",
                task_id=task_id,
                sla_seconds=5,
                run_started_at=at,
                expected_by=at,
                detected_at=at,
                notified=notified,
            )
        )
    session.commit()
    return session


def reader_of(*dag_ids: str) -> DagReadAccess:
    asked: list[str] = []

    def may_read(dag_id: str) -> bool:
        asked.append(dag_id)
        return dag_id in dag_ids

    access = DagReadAccess(may_read)
    access.asked = asked  # type: ignore[attr-defined]
    return access


def ids(found: list[object]) -> list[int]:
    return [miss.id for miss in found]  # type: ignore[attr-defined]


def test_only_readable_dags_newest_first_each_dag_asked_once(stored: Session) -> None:
    access = reader_of("a")
    assert ids(list_misses(stored, access, SlaMissFilter())) == [4, 2, 1]
    assert sorted(access.asked) == ["a", "b"]  # type: ignore[attr-defined]
    assert ids(list_misses(stored, reader_of(), SlaMissFilter())) == []


def test_filters_combine(stored: Session) -> None:
    every = reader_of("a", "b")
    assert ids(list_misses(stored, every, SlaMissFilter(task_id="x"))) == [3, 1]
    assert ids(list_misses(stored, every, SlaMissFilter(dag_id="a", notified=False))) == [4, 2]
    since, until = T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=2)
    assert ids(list_misses(stored, every, SlaMissFilter(since=since, until=until))) == [3, 2]
    assert ids(list_misses(stored, every, SlaMissFilter(limit=1))) == [4]
    with pytest.raises(BadSlaFilter):
        list_misses(stored, every, SlaMissFilter(since=until, until=since))


def test_a_note_is_written_cleared_and_hidden_misses_are_missing(stored: Session) -> None:
    miss, before = set_note(stored, reader_of("a"), 1, "  disk was slow  ", "op_user")
    assert (miss.note, miss.note_updated_by, before) == ("disk was slow", "op_user", None)
    miss, before = set_note(stored, reader_of("a"), 1, " ", "op_user")
    assert miss.note is None and before == "disk was slow"
    with pytest.raises(SlaMissNotFound) as hidden:
        set_note(stored, reader_of("a"), 3, "x", "op_user")
    with pytest.raises(SlaMissNotFound) as missing:
        set_note(stored, reader_of("a", "b"), 99, "x", "op_user")
    assert str(hidden.value) == "there is no SLA miss 3" and str(missing.value) == "there is no SLA miss 99"
    assert stored.get(SlaMiss, 3).note is None  # type: ignore[union-attr]
