"""A plain `airflow db migrate` creates wfo's tables, because our provider declares its DB manager.

Runs the real `airflow` CLI in a subprocess (about 5-10 s a run, two runs per backend) against an empty database with a
temporary AIRFLOW_HOME; no `external_db_managers` override is set, so this fails if the provider info
stops declaring `db-managers`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, inspect

if TYPE_CHECKING:
    from conftest import Alembic

pytestmark = pytest.mark.integration

AIRFLOW = Path(sys.executable).with_name("airflow")


def test_airflow_db_migrate_creates_our_tables_and_rerun_is_noop(
    db_url: str, tmp_path: Path, alembic: Alembic
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env |= {
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    # The first run creates everything from the models; the second takes the upgrade path through our
    # Alembic scripts, which must find nothing to do.
    for _ in range(2):
        result = subprocess.run(
            [str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "WfoDBManager" in result.stdout + result.stderr

    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"wfo_audit_event", "wfo_setting", alembic.version_table} <= tables
            assert "dag_run" in tables  # Airflow's own schema is there too: same database
            assert alembic.current_revision(connection) == alembic.head()
            assert alembic.schema_diff(connection) == []
    finally:
        engine.dispose()
