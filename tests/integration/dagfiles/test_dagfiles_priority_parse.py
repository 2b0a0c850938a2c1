"""A priority-parse request makes the running dag-processor parse a freshly written file.

The requests are written and read in the platform's database from this process (no cold Airflow CLI or
interpreter per look); the api-server's own path to it is every save of a DAG file (deploy_dag).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import Session

from wfo.cli.airflow_config import SQLITE_CONNECT_ARGS
from wfo.dagfiles.parsing import request_id, request_priority_parse

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration


@contextmanager
def _platform_db(platform: Platform) -> Iterator[Session]:
    """A session on the platform's own database (as its api-server writes it), from this process."""
    url = platform.config_value("database", "sql_alchemy_conn")
    engine = create_engine(url, connect_args=SQLITE_CONNECT_ARGS if url.startswith("sqlite") else {})
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def priority_parse(
    platform: Platform, path: str, bundle: str = "dags-folder", calls: int = 1, *, cleanup: bool = False
) -> list[list[str]]:
    """Request a priority parse `calls` times (each its own transaction); the rows then pending for `path`."""
    from airflow.models.dagbag import DagPriorityParsingRequest as R

    with _platform_db(platform) as session:
        for _ in range(calls):
            request_priority_parse(path, bundle, session=session)
            session.commit()
        columns = select(R.id, R.bundle_name, R.relative_fileloc)
        rows = session.execute(columns.where(R.relative_fileloc == path))
        pending = [[str(value) for value in row] for row in rows]
        if cleanup:
            session.execute(delete(R).where(R.relative_fileloc == path))
            session.commit()
    return pending


def test_two_requests_in_a_row_leave_one_pending_row(platform: Platform) -> None:
    # A bundle no dag-processor serves: nobody claims the row, so we can look at it.
    rows = priority_parse(platform, "team/twice.py", "no-such-bundle", 2, cleanup=True)
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
    while priority_parse(platform, "priority_probe.py", calls=0):
        assert time.monotonic() < deadline, "the dag-processor never claimed the priority-parse request"
        time.sleep(0.25)


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
