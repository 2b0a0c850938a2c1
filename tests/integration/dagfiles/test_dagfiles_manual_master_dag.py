"""The manual's master DAG, uploaded as written: wfo proposes the upgrade, the user accepts it, and the
upgraded DAG triggers its child with the manual's payload and succeeds.

The child is the shipped Spark example ExampleSchemaGeneration: its outputs are checked here, the one run
of that example in the suite (tests/integration/operators/test_operators_spark_local.py runs the others).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.integration
SAMPLE = Path(__file__).resolve().parent / "legacy_samples" / "master_dag.py"
CHILD = "ExampleSchemaGeneration"


def test_uploaded_legacy_master_dag_is_upgraded_on_acceptance_and_runs(platform: Platform) -> None:
    legacy = SAMPLE.read_bytes()
    dev = {"user": "dev_user", "password": role_password("dev_user")}
    report = platform.upload("/wfo/api/v1/dag-files", [("master_dag.py", legacy)], **dev)
    assert report.status == 422, report.body
    rejected = report.json()["rejected"]
    (entry,) = rejected
    proposal = entry["upgrade"]
    assert entry["name"] == "master_dag.py" and proposal["changed"] and proposal["issues"] == []
    assert "-from airflow.operators.dag_operator import DagOperator" in proposal["diff"]
    assert "+from wfo.operators import DagOperator" in proposal["diff"]
    assert "schedule_interval" not in proposal["source"]

    # Accept: save the proposed source as a new file.
    saved = platform.api(
        "PUT",
        "/dag-files/master_dag.py",
        json_body={"content": proposal["source"], "base_revision": None},
        **dev,
    )
    assert saved.status == 200, saved.body
    platform.wait_for_dag("MasterDag")
    platform.wait_for_dag(CHILD)
    token = platform.token()
    platform.request(
        "PATCH", f"/api/v2/dags/{CHILD}", json_body={"is_paused": False}, token=token, expected=(200,)
    )

    out = platform.home / "examples-data" / "output" / "schema_generation"
    shutil.rmtree(out, ignore_errors=True)
    run_id = platform.trigger("MasterDag")
    assert platform.wait_for_run("MasterDag", run_id, timeout=600) == "success"
    child_runs = platform.request(
        "GET", f"/api/v2/dags/{CHILD}/dagRuns?limit=100", token=token, expected=(200,)
    ).json()["dag_runs"]
    child = next(r for r in child_runs if r["dag_run_id"].startswith(run_id))
    assert child["state"] == "success"
    assert child["conf"] == {"message": "Hii there!!"}

    # The child, the Spark example, did its work.
    ratings = json.loads(_part_text(out / "ratings_schema"))
    videos = json.loads(_part_text(out / "videos_schema"))
    assert ratings["rows"] == 2000 and videos["rows"] == 500
    assert [c["name"] for c in ratings["columns"]] == ["user_id", "item_id", "rating", "timestamp"]
    assert {c["name"]: c["type"] for c in videos["columns"]}["duration_s"] == "double"
    # The job received the workflow confs every Spark task gets.
    assert (ratings["task_id"], ratings["dag_id"]) == ("SchemaGeneration", "ExampleSchemaGeneration")


def _part_text(folder: Path) -> str:
    parts = sorted(folder.glob("part-*"))
    assert parts, f"no part files in {folder}"
    return "".join(p.read_text() for p in parts)
