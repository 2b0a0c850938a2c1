"""No caller can write unbounded or unstorable text into the audit log; the log filters by area."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wfo.audit.service import (
    MAX_ACTION,
    MAX_DETAILS_BYTES,
    MAX_OBJECT_ID,
    Actor,
    EventQuery,
    list_events,
    record,
)


def test_every_field_is_bounded_and_storable(session: Session) -> None:
    event = record(
        session,
        Actor("u" * 1000, "1" * 200),
        "PUT /x/" + "a" * 1000,
        "t" * 1000,
        "id\ud800" + "i" * 2000,
        "success",
        {"blob": "z" * (MAX_DETAILS_BYTES * 4), "text": "bad \udfff"},
    )
    assert len(event.username) <= 256 and len(event.source_ip or "") <= 64
    assert len(event.action) <= MAX_ACTION and event.action.endswith("…")
    assert len(event.object_type) <= 128 and len(event.object_id or "") <= MAX_OBJECT_ID
    assert (event.object_id or "").startswith("id?")
    assert event.details is not None and event.details["truncated"] is True
    assert len(event.details["preview"].encode()) <= MAX_DETAILS_BYTES
    small = record(session, Actor("a", None), "x.y", "t", None, "success", {"name": "caf\udce9"})
    assert small.details == {"name": "caf?"}


def test_an_area_filter_matches_all_of_its_actions_only(session: Session) -> None:
    for action in ("session.login", "session.logout", "sessions.other", "config_group.create"):
        record(session, Actor("a", None), action, "user")
    page = list_events(session, EventQuery(action="session.*"))
    assert page.total == 2 and {e.action for e in page.events} == {"session.login", "session.logout"}
    assert list_events(session, EventQuery(action="session.login")).total == 1
    # A huge offset is clamped, not an SQL overflow.
    assert list_events(session, EventQuery(offset=10**25)).events == []
