"""WfoDBManager does what `airflow db migrate` / `airflow db reset` ask of it, as Airflow calls it.

Airflow's settings are pointed at a throwaway database for each test, because the manager (and our Alembic
env) use Airflow's engine exactly as they do inside `airflow db migrate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.orm import Session

from wfo.db.models import Setting, metadata

if TYPE_CHECKING:
    from conftest import Alembic
    from wfo.db.manager import WfoDBManager

pytestmark = pytest.mark.integration

OUR_TABLES = {"wfo_audit_event", "wfo_setting", "alembic_version_wfo"}


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    from airflow import settings

    engine = create_engine(db_url)
    monkeypatch.setattr(settings, "engine", engine)
    monkeypatch.setattr(settings, "SQL_ALCHEMY_CONN", db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def run_manager(engine: Engine) -> Callable[[Callable[[WfoDBManager], object]], object]:
    """Call one manager method on a fresh session, committed and closed afterwards like Airflow's."""
    from wfo.db.manager import WfoDBManager

    def run(call: Callable[[WfoDBManager], object]) -> object:
        with Session(engine) as session:
            result = call(WfoDBManager(session))
            session.commit()
        return result

    return run


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgradedb_creates_tables_at_head_and_rerun_is_noop(
    engine: Engine, run_manager: Callable[..., object], alembic: Alembic
) -> None:
    run_manager(lambda m: m.upgradedb())
    assert _tables(engine) >= OUR_TABLES
    assert run_manager(lambda m: m.get_current_revision()) == alembic.head()
    with engine.connect() as connection:
        assert alembic.schema_diff(connection) == []

    run_manager(lambda m: m.upgradedb())
    assert run_manager(lambda m: m.get_current_revision()) == alembic.head()
    assert run_manager(lambda m: m.check_migration()) is True


def test_tables_created_without_version_are_adopted(
    engine: Engine, run_manager: Callable[..., object], alembic: Alembic
) -> None:
    # E.g. an earlier `create_all` by hand: upgrading must stamp them, not fail on "table exists".
    metadata.create_all(engine)
    run_manager(lambda m: m.upgradedb())
    assert run_manager(lambda m: m.get_current_revision()) == alembic.head()


def test_resetdb_empties_our_tables_and_recreates_them(
    engine: Engine, run_manager: Callable[..., object], alembic: Alembic
) -> None:
    run_manager(lambda m: m.upgradedb())
    with Session(engine) as session, session.begin():
        session.add(Setting(key="theme", value='"dark"', updated_at=dt.datetime.now(dt.UTC)))

    run_manager(lambda m: m.resetdb())

    with Session(engine) as session:
        assert session.scalars(select(Setting)).all() == []
    assert run_manager(lambda m: m.get_current_revision()) == alembic.head()


def test_downgrade_to_base_drops_our_tables(engine: Engine, run_manager: Callable[..., object]) -> None:
    run_manager(lambda m: m.upgradedb())
    run_manager(lambda m: m.downgrade("base"))
    assert not _tables(engine) & {"wfo_audit_event", "wfo_setting"}
    assert run_manager(lambda m: m.get_current_revision()) is None
