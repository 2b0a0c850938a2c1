"""Every shipped code brick, inserted into a DAG skeleton, gives a DAG file Airflow 3.3 loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wfo.dagfiles.bricks import shipped_bricks

SKELETON = '''from datetime import datetime

from airflow.sdk import DAG

appName = "brick_check"
dag = DAG("brick_check_{index}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False)

{code}
'''

LOADER = """
import json, sys
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], safe_mode=False)
print("RESULT " + json.dumps({
    "errors": {k: v for k, v in bag.import_errors.items()},
    "dags": {d.dag_id: sorted(d.task_ids) for d in bag.dags.values()},
}))
"""

pytestmark = pytest.mark.integration


def test_every_shipped_brick_parses_in_a_dag(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    expected: dict[str, str] = {}
    for index, brick in enumerate(shipped_bricks()):
        (folder / f"brick_{index:02d}.py").write_text(SKELETON.format(index=index, code=brick.code))
        expected[f"brick_check_{index}"] = brick.title
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFO_")}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(folder)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["errors"] == {}
    assert set(result["dags"]) == set(expected)
    empty = [expected[dag_id] for dag_id, tasks in result["dags"].items() if not tasks]
    assert empty == [], f"bricks that define no task: {empty}"
