"""`sla=` survives parsing and serialization through the wfo policy, and the monitor reads it back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wfo.sla.definitions import dag_slas

DAG_FILE = """
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG


def tell(*args):
    pass


with DAG(
    "sla_definitions",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    sla_miss_callback=tell,
    default_args={"sla": timedelta(minutes=2), "email": ["ops@example.com"]},
):
    BashOperator(task_id="own", bash_command="true", sla=timedelta(seconds=5), email="a@x.org; b@x.org")
    BashOperator(task_id="inherited", bash_command="true")
    BashOperator(task_id="none", bash_command="true", sla=None)
"""


@pytest.fixture(scope="module")
def serialized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    path = Path(tmp_path_factory.mktemp("dags")) / "sla_definitions.py"
    path.write_text(DAG_FILE, encoding="utf-8")
    bag = DagBag(str(path))
    assert not bag.import_errors
    # As stored in the serialized_dag table: JSON text.
    return json.loads(json.dumps(DagSerialization.to_dict(bag.dags["sla_definitions"]), default=str))


def test_task_sla_and_default_args_sla_are_carried(serialized: dict[str, object]) -> None:
    slas = dag_slas(serialized)
    assert slas is not None
    assert slas.dag_id == "sla_definitions" and slas.fileloc.endswith("sla_definitions.py")
    assert {task_id: sla.seconds for task_id, sla in slas.tasks.items()} == {"own": 5.0, "inherited": 120.0}
    assert slas.tasks["own"].emails == ("a@x.org", "b@x.org")
    assert slas.tasks["inherited"].emails == ("ops@example.com",)
    assert all(sla.callback for sla in slas.tasks.values())


def test_airflow_no_longer_says_slas_are_removed(tmp_path: Path) -> None:
    """In a fresh interpreter (pytest resets warning filters per test): no "The SLA feature is removed"."""
    path = tmp_path / "sla_definitions.py"
    path.write_text(DAG_FILE, encoding="utf-8")
    code = (
        "import sys\nfrom airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(sys.argv[1])\nprint(repr(bag.captured_warnings), repr(bag.import_errors))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert "RemovedInAirflow4Warning" in out.stdout  # Airflow's other warnings are still captured
    assert "SLA" not in out.stdout


def test_a_dag_without_slas_has_none() -> None:
    assert (
        dag_slas({"dag": {"dag_id": "x", "tasks": [{"__var": {"task_id": "a"}, "__type": "operator"}]}})
        is None
    )
    assert dag_slas({}) is None
