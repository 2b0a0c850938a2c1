"""The DB manager through which `airflow db migrate` / `airflow db reset` manage wfo's tables.

Airflow finds it in our provider info (`db-managers`) or in `[database] external_db_managers`. On a
database without our version table, Airflow's base class creates the tables from the models and stamps
the head revision; afterwards every run applies the Alembic scripts in `migrations/`, so both paths must
yield the same schema (the integration tests compare them).
"""

from __future__ import annotations

from pathlib import Path

from airflow.utils.db_manager import BaseDBManager

from wfo.db.models import metadata

_MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# wfo release -> the migration head it ships; Airflow's `db` CLI resolves `--to-version` through this.
_REVISION_HEADS_MAP: dict[str, str] = {
    "0.1.0": "e1a2bb08627a",
}


class WfoDBManager(BaseDBManager):
    """Creates, upgrades, downgrades and drops wfo's `wfo_*` tables in the Airflow metadata DB."""

    metadata = metadata
    version_table_name = "alembic_version_wfo"
    migration_dir = _MIGRATIONS_DIR.as_posix()
    alembic_file = (_MIGRATIONS_DIR / "alembic.ini").as_posix()
    # Our tables live in Airflow's database, so `airflow db reset` must take them with it.
    supports_table_dropping = True
    revision_heads_map = _REVISION_HEADS_MAP

    def _stamp_base_revision(self, config: object) -> None:
        """Tables without a version table: stamp the head when they already match the models (an
        earlier `create_all`), else the first revision, so the upgrade that follows adds what is missing."""
        from alembic import command
        from sqlalchemy import inspect

        inspector = inspect(self.session.get_bind())
        existing = set(inspector.get_table_names())
        complete = all(
            table.name in existing
            and {c.name for c in table.columns} <= {c["name"] for c in inspector.get_columns(table.name)}
            for table in self.metadata.tables.values()
        )
        if not complete:
            super()._stamp_base_revision(config)
            return
        self.log.info("wfo tables already match the models; stamping the head revision")
        command.stamp(config, "head")  # type: ignore[arg-type]

    def downgrade(
        self, to_revision: str, from_revision: str | None = None, show_sql_only: bool = False
    ) -> None:
        """Downgrade wfo's tables to `to_revision` ("base" drops them), or print the SQL for it."""
        from alembic import command

        # BaseDBManager is unannotated, hence the ignores on its helpers.
        config = self.get_alembic_config()  # type: ignore[no-untyped-call]
        if not show_sql_only:
            if from_revision:
                raise ValueError("from_revision is only meaningful with show_sql_only=True")
            self.log.info("Downgrading wfo tables to revision %s", to_revision)
            command.downgrade(config, revision=to_revision)
            return
        # Offline SQL needs an explicit start; default to what the database (or else the scripts) is at.
        start = (
            from_revision
            or self.get_current_revision()  # type: ignore[no-untyped-call]
            or self.get_script_object(config).get_current_head()
        )
        command.downgrade(config, revision=f"{start}:{to_revision}", sql=True)
