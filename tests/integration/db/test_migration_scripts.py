"""wfo's real Alembic scripts produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Column, Integer, MetaData, String, create_engine, inspect

from wfo.db.models import metadata

if TYPE_CHECKING:
    from conftest import Alembic

pytestmark = pytest.mark.integration


def test_scripts_have_one_head_and_the_release_map_points_at_it(alembic: Alembic) -> None:
    from wfo.db.manager import WfoDBManager

    head = alembic.head()
    assert list(WfoDBManager.revision_heads_map.values())[-1] == head


def test_upgrade_matches_models_and_rerun_is_noop(db_url: str, alembic: Alembic) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            assert alembic.current_revision(connection) == alembic.head()
            assert alembic.schema_diff(connection) == []

        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            assert alembic.current_revision(connection) == alembic.head()
            assert alembic.schema_diff(connection) == []
    finally:
        engine.dispose()


def test_schema_diff_would_notice_a_model_without_a_migration(db_url: str, alembic: Alembic) -> None:
    # Guards the test above against passing vacuously (e.g. a filter that hides every table).
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    setting = drifted.tables["wfo_setting"]
    setting.append_column(Column("extra", Integer, nullable=True))
    setting.c.updated_by.nullable = False
    setting.c.updated_by.type = String(64)
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            diffs = alembic.schema_diff(connection, drifted)
    finally:
        engine.dispose()
    # Changes to one column come as a list of ("modify_...", ...) tuples, additions as single tuples.
    changes = [change for diff in diffs for change in (diff if isinstance(diff, list) else [diff])]
    kinds = {change[0] for change in changes}
    assert kinds == {"add_column", "modify_nullable", "modify_type"}


def test_downgrade_to_base_removes_our_tables_and_upgrade_restores_them(
    db_url: str, alembic: Alembic
) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
        with engine.begin() as connection:
            alembic.run(connection, "downgrade", "base")
            assert alembic.current_revision(connection) is None
            assert set(inspect(connection).get_table_names()) <= {alembic.version_table}
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            assert alembic.schema_diff(connection) == []
    finally:
        engine.dispose()


def test_audit_events_recorded_under_old_action_names_get_the_new_names(
    db_url: str, alembic: Alembic
) -> None:
    from sqlalchemy import text

    engine = create_engine(db_url)
    insert = text(
        "INSERT INTO wfo_audit_event (created_at, username, action, object_type, object_id, outcome) "
        "VALUES (CURRENT_TIMESTAMP, 'admin', :action, :object_type, 'x', 'success')"
    )
    old = [
        ("dag_files.save", "dag_file"),
        ("visualisations.update", "dashboard"),
        ("config_group.default", "config_group"),
        ("code_bricks.delete", "code_brick"),
        ("config_group.create", "config_group"),  # already follows the convention: untouched
    ]
    try:
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "2b9c24965bc2")
            for action, object_type in old:
                connection.execute(insert, {"action": action, "object_type": object_type})
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            rows = connection.execute(
                text("SELECT action, object_type FROM wfo_audit_event ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("dag_file.save", "dag_file"),
            ("visualisation.update", "visualisation"),
            ("config_group.set_default", "config_group"),
            ("code_brick.delete", "code_brick"),
            ("config_group.create", "config_group"),
        ]
    finally:
        engine.dispose()


def test_published_connections_of_the_old_type_get_the_rfc3986_type_and_back(
    db_url: str, alembic: Alembic
) -> None:
    from airflow.models import Connection
    from airflow.models.base import Base as AirflowBase
    from airflow.models.team import Team
    from sqlalchemy import text

    engine = create_engine(db_url)
    rows = [
        ("wfo_config_group_default", "wfo_config_group"),
        ("wfo_config_groups", "wfo_config_group"),
        ("reporting_db", "postgres"),  # not wfo's: untouched
        ("spark_default", "spark"),
    ]
    select = text("SELECT conn_id, conn_type FROM connection ORDER BY conn_id")
    try:
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "7d1e0a3c5b92")
            # Airflow's own table, as Airflow's migrations create it before ours run.
            AirflowBase.metadata.create_all(connection, tables=[Team.__table__, Connection.__table__])
            connection.execute(
                Connection.__table__.insert(), [{"conn_id": i, "conn_type": t} for i, t in rows]
            )
        with engine.begin() as connection:
            alembic.run(connection, "upgrade", "heads")
            upgraded = [tuple(row) for row in connection.execute(select).all()]
        with engine.begin() as connection:
            alembic.run(connection, "downgrade", "7d1e0a3c5b92")
            downgraded = [tuple(row) for row in connection.execute(select).all()]
    finally:
        engine.dispose()
    assert upgraded == [
        ("reporting_db", "postgres"),
        ("spark_default", "spark"),
        ("wfo_config_group_default", "wfo-config-group"),
        ("wfo_config_groups", "wfo-config-group"),
    ]
    assert sorted(downgraded) == sorted(rows)
