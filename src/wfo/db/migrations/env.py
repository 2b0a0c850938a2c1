"""Alembic environment of wfo's tables (own metadata, own version table `alembic_version_wfo`)."""

from __future__ import annotations

import contextlib
from typing import Any

from alembic import context

from wfo.db.models import metadata
from wfo.db.types import UtcDateTime

VERSION_TABLE = "alembic_version_wfo"

config = context.config


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # The database is Airflow's: never let autogenerate propose dropping Airflow's (or FAB's) tables.
    return not (type_ == "table" and name not in metadata.tables)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Scripts must not import wfo's model code (it will change after the script is written), so our
    # UTC type is written as the plain column type it stores.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.TIMESTAMP(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata,
        render_item=render_item,
        version_table=VERSION_TABLE,
        include_object=include_object,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with contextlib.ExitStack() as stack:
        # Tests and wfo.db.autogenerate hand in their own connection; Airflow does not, and then we use
        # Airflow's engine so its connect args (and SQLite pragmas) apply.
        connection = config.attributes.get("connection")
        if connection is None:
            from airflow import settings

            connection = stack.enter_context(settings.engine.connect())
        _configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
