"""The models store what a user later reads back: UTC timestamps and JSON details, in `wfo_*` tables."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from wfo.db import AuditEvent, Setting, metadata


def _event(**overrides: object) -> AuditEvent:
    fields: dict[str, object] = {
        "username": "alice",
        "action": "visualisation.update",
        "object_type": "visualisation",
        "object_id": "42",
        "outcome": "success",
    }
    fields.update(overrides)
    return AuditEvent(**fields)


def test_tables_are_ours_only() -> None:
    assert set(metadata.tables) == {
        "wfo_audit_event",
        "wfo_setting",
        "wfo_config_group",
        "wfo_config_group_file",
        "wfo_code_brick",
        "wfo_login_failure",
        "wfo_sla_miss",
        "wfo_eda_source",
        "wfo_notebook_git_config",
    }
    # Foreign keys never point into Airflow's tables (DESIGN §9).
    targets = {fk.column.table.name for table in metadata.tables.values() for fk in table.foreign_keys}
    assert targets <= set(metadata.tables)


def test_created_at_defaults_to_now_in_utc(session: Session) -> None:
    before = dt.datetime.now(dt.UTC)
    session.add(_event())
    session.commit()
    session.expire_all()

    event = session.scalars(select(AuditEvent)).one()
    assert event.created_at.tzinfo is not None
    assert event.created_at.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=1) <= event.created_at <= dt.datetime.now(dt.UTC)


def test_other_timezones_are_stored_as_the_same_instant_in_utc(session: Session) -> None:
    berlin_noon = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    session.add(_event(created_at=berlin_noon))
    session.commit()
    session.expire_all()

    stored = session.scalars(select(AuditEvent.created_at)).one()
    assert stored == berlin_noon
    assert (stored.hour, stored.utcoffset()) == (11, dt.timedelta(0))


def test_naive_datetimes_are_rejected(session: Session) -> None:
    session.add(Setting(key="k", value="1", updated_at=dt.datetime(2025, 1, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_details_round_trip_as_json_and_absent_details_are_sql_null(session: Session) -> None:
    session.add_all([_event(details={"changed": ["title"], "n": 2}), _event(object_id=None)])
    session.commit()
    session.expire_all()

    details = session.scalars(select(AuditEvent.details).order_by(AuditEvent.id)).all()
    assert details == [{"changed": ["title"], "n": 2}, None]
    raw_nulls = session.execute(text("SELECT count(*) FROM wfo_audit_event WHERE details IS NULL")).scalar()
    assert raw_nulls == 1


def test_setting_update_refreshes_updated_at(session: Session) -> None:
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    session.add(Setting(key="theme", value='"dark"', updated_by="alice", updated_at=old))
    session.commit()

    setting = session.get(Setting, "theme")
    assert setting is not None
    setting.value = '"light"'
    session.commit()
    assert setting.updated_at > old
