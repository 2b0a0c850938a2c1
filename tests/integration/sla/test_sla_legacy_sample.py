"""The manual's SLA sample (`sla=timedelta(hours=1)` on `download_image`) keeps its SLA after the legacy
upgrade: Airflow 3.3 parses the upgraded file and the serialized DAG carries the SLA the monitor reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfo.dagfiles.upgrade import upgrade_source
from wfo.sla.definitions import dag_slas

SAMPLE = Path(__file__).parents[1] / "dagfiles" / "legacy_samples" / "bash_python_xcom.py"


def test_the_upgraded_manual_sample_keeps_its_sla(tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    legacy = SAMPLE.read_text(encoding="utf-8")
    assert "sla=timedelta(hours=1)" in legacy
    upgraded = upgrade_source(legacy, SAMPLE.name).source
    assert "sla=timedelta(hours=1)" in upgraded  # the upgrade keeps it: wfo gives it a meaning again
    path = tmp_path / SAMPLE.name
    path.write_text(upgraded, encoding="utf-8")
    bag = DagBag(str(path))
    assert not bag.import_errors, bag.import_errors
    (dag,) = bag.dags.values()
    stored = json.loads(json.dumps(DagSerialization.to_dict(dag), default=str))
    slas = dag_slas(stored)
    assert slas is not None
    assert {task_id: sla.seconds for task_id, sla in slas.tasks.items()} == {"download_image": 3600.0}
    # 1.10 mailed the task's `email=` addresses (here from default_args).
    assert slas.tasks["download_image"].emails == ("couture@example.com",)


pytestmark = pytest.mark.integration
