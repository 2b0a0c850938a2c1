"""The init step of `wfo up` on PostgreSQL: a failed migration step is rolled back and reported, and a
database no migration of this installation can continue is refused with nothing changed.

One subprocess per scenario runs the init step's real `migrate_database` (Airflow's `db.upgradedb`, our
DB manager) against a fresh PostgreSQL database, as `python -m wfo.cli.initialize` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, inspect, text

from wfo.db.manager import WfoDBManager

if TYPE_CHECKING:
    from conftest import Alembic

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

# Runs in a fresh interpreter configured by the environment (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN). With a
# folder argument, wfo's DB manager reads its migration scripts from there (a copy with one more step).
_MIGRATE = """
import json, sys
from wfo.cli import initialize
from wfo.db.manager import WfoDBManager
if len(sys.argv) > 1:
    WfoDBManager.migration_dir = sys.argv[1]
    WfoDBManager.alembic_file = sys.argv[1] + "/alembic.ini"
try:
    print(json.dumps({"result": initialize.migrate_database({})}))
except initialize.DatabaseStateError as refused:
    print(json.dumps({"refused": str(refused)}))
"""

# A step that creates a table, then fails: what a real migration meeting unexpected data does.
_FAILING_STEP = '''"""a step that fails half-way"""
import sqlalchemy as sa
from alembic import op

revision = "0badbadbad01"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("wfo_half_made", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT 1 / 0")


def downgrade() -> None:
    op.drop_table("wfo_half_made")
'''


def _migrate(db_url: str, home: Path, scripts: Path | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "WFO_"))}
    env |= {
        "AIRFLOW_HOME": str(home),
        "WFO_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    argv = [sys.executable, "-c", _MIGRATE, *([str(scripts)] if scripts else [])]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    answer: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def _state(db_url: str) -> tuple[set[str], dict[str, list[str]]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            versions = {
                table: sorted(row[0] for row in conn.execute(text(f"SELECT version_num FROM {table}")))
                for table in ("alembic_version", "alembic_version_wfo")
                if table in tables
            }
        return tables, versions
    finally:
        engine.dispose()


def _execute(db_url: str, statement: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_a_failed_step_is_rolled_back_and_an_unknown_database_is_refused(
    postgres_url: str, tmp_path: Path, alembic: Alembic
) -> None:
    home = tmp_path / "home"
    assert _migrate(postgres_url, home) == {"result": "migrated"}
    tables, migrated = _state(postgres_url)
    assert migrated["alembic_version_wfo"] == [alembic.head()]

    # A new step that fails half-way: reported with the revisions the database stays at; the table it
    # had created is gone with the rolled-back step; the database is exactly as before.
    scripts = tmp_path / "scripts"
    shutil.copytree(WfoDBManager.migration_dir, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0badbadbad01_failing_step.py").write_text(
        _FAILING_STEP.format(head=alembic.head())
    )
    failed = _migrate(postgres_url, home, scripts)["refused"]
    assert failed.startswith("the database migration failed: ")
    assert "division by zero" in failed
    assert f"`alembic_version_wfo` at {alembic.head()}" in failed
    assert "The step that failed was rolled back" in failed
    assert _state(postgres_url) == (tables, migrated)

    # Fixed (the step removed): the next start finds the database at its heads.
    assert _migrate(postgres_url, home) == {"result": "skipped: the database is at its head revisions"}

    # A revision this installation does not know (a newer wfo migrated the database): refused, unchanged.
    _execute(postgres_url, "UPDATE alembic_version_wfo SET version_num = 'ffffffffffff'")
    before = _state(postgres_url)
    refused = _migrate(postgres_url, home)["refused"]
    assert "`alembic_version_wfo` is at revision ffffffffffff" in refused
    assert "does not know" in refused and "Nothing was changed." in refused
    assert _state(postgres_url) == before
    _execute(postgres_url, f"UPDATE alembic_version_wfo SET version_num = '{alembic.head()}'")

    # Airflow's tables without its version table (a first migration stopped before stamping): refused
    # rather than created again over them.
    _execute(postgres_url, "DROP TABLE alembic_version")
    before = _state(postgres_url)
    refused = _migrate(postgres_url, home)["refused"]
    assert "holds Airflow's tables but no `alembic_version` table" in refused
    assert _state(postgres_url) == before
