"""Throwaway databases for the migration tests (a SQLite file, a fresh PostgreSQL database) and `alembic`,
a fixture that runs wfo's real scripts and diffs a database against the models.

PostgreSQL is never skipped: if the server is unreachable the `postgres` tests fail, because CI runs it.
Point `WFO_TEST_POSTGRES_URL` at another server's maintenance database to use it instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, text
from sqlalchemy.engine import make_url

from wfo.db.autogenerate import alembic_config
from wfo.db.models import metadata

POSTGRES_ADMIN_URL = os.environ.get(
    "WFO_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


class Alembic:
    """wfo's real migration scripts, run on a caller's connection, plus Alembic's schema comparison."""

    version_table = "alembic_version_wfo"

    def head(self) -> str:
        head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
        assert head is not None
        return head

    def run(self, connection: Connection, action: str, revision: str) -> None:
        """`alembic upgrade|downgrade <revision>` with wfo's scripts, on `connection`."""
        config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    def current_revision(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": self.version_table})
        return context.get_current_revision()

    def schema_diff(self, connection: Connection, target: MetaData = metadata) -> list[Any]:
        """Alembic's autogenerate diff between the live database and `target`; empty means identical."""

        def ours(name: str | None, type_: str, parent_names: Any) -> bool:
            # Airflow's tables and our version table share the database; they are not ours to compare.
            return type_ != "table" or name in target.tables

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": ours, "version_table": self.version_table}
        )
        return list(compare_metadata(context, target))


@pytest.fixture
def alembic() -> Alembic:
    return Alembic()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'airflow.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"wfo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, once per backend we support."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url
