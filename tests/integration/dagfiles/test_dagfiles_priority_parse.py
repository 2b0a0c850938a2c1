"""A priority-parse request makes the running dag-processor parse a freshly written file."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, select

from wfo.dagfiles.parsing import request_id

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

# Run against the platform's database, in a process configured like the api-server.
REQUEST_AND_COUNT = """
import json, sys
from sqlalchemy import func, select
from airflow.models.dagbag import DagPriorityParsingRequest as R
from airflow.utils.session import create_session
from wfo.dagfiles.parsing import request_priority_parse

path, bundle, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(calls):
    request_priority_parse(path, bundle)
with create_session(scoped=False) as session:
    rows = session.execute(select(R.id, R.bundle_name, R.relative_fileloc).where(R.relative_fileloc == path)).all()
    print(json.dumps([list(r) for r in rows]))
    if len(sys.argv) > 4:
        session.execute(R.__table__.delete().where(R.relative_fileloc == path))
"""


def priority_parse(
    platform: Platform, path: str, bundle: str = "dags-folder", calls: int = 1, *extra: str
) -> list[list[str]]:
    env = platform.env(AIRFLOW_HOME=str(platform.home), AIRFLOW_CONFIG=str(platform.home / "airflow.cfg"))
    proc = subprocess.run(
        [sys.executable, "-c", REQUEST_AND_COUNT, path, bundle, str(calls), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows: list[list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return rows


def test_two_requests_in_a_row_leave_one_pending_row(platform: Platform) -> None:
    # A bundle no dag-processor serves: nobody claims the row, so we can look at it.
    rows = priority_parse(platform, "team/twice.py", "no-such-bundle", 2, "cleanup")
    assert rows == [[request_id("team/twice.py", "no-such-bundle"), "no-such-bundle", "team/twice.py"]]


def test_requested_file_becomes_visible(platform: Platform) -> None:
    dag_id = "priority_parse_probe"
    (platform.home / "dags" / "priority_probe.py").write_text(
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None):\n"
        "    EmptyOperator(task_id='only')\n",
        encoding="utf-8",
    )
    priority_parse(platform, "priority_probe.py", calls=2)
    platform.wait_for_dag(dag_id, timeout=180)
    # The dag-processor claimed (deleted) the request: read in the platform's database from here.
    deadline = time.monotonic() + 60
    while _pending(platform, "priority_probe.py"):
        assert time.monotonic() < deadline, "the dag-processor never claimed the priority-parse request"
        time.sleep(0.25)


def _pending(platform: Platform, path: str) -> list[str]:
    """Ids of the priority-parse requests for `path` still in the platform's database."""
    from airflow.models.dagbag import DagPriorityParsingRequest as R

    engine = create_engine(platform.config_value("database", "sql_alchemy_conn"))
    try:
        with engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(select(R.id).where(R.relative_fileloc == path))]
    finally:
        engine.dispose()


VALIDATE_WITH_RUNNING_VALIDATOR = """
import json
from wfo.dagfiles import validation
result = validation.validate_source("probe.py", "from airflow.sdk import DAG\\nwith DAG('probe', schedule=None):\\n    pass\\n")
print(json.dumps({"result": result.model_dump(), "started_own": validation._server is not None}))
"""


def test_wfo_up_runs_the_validator_so_clients_do_not_start_one(platform: Platform) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", VALIDATE_WITH_RUNNING_VALIDATOR],
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer = json.loads(proc.stdout.strip().splitlines()[-1])
    assert answer["result"]["ok"] and answer["result"]["dag_ids"] == ["probe"]
    assert answer["started_own"] is False
