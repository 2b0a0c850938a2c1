"""Schedule a notebook on the session platform, through the issue's Contract as stated.

POST /wfo/api/v1/notebooks (multipart path + file) -> 201; GET .../notebooks/content?path= -> the .ipynb;
POST .../notebooks/schedules -> 201 {dag_id, dag_url}, the DAG triggerable right away (no wait here: the
trigger is sent at once and must be accepted); GET .../notebooks/runs?notebook= -> runs with an `output`
readable with the content route, showing the injected parameter's effect.
"""

from __future__ import annotations

import json

import pytest

from helpers.notebooks import greeting_notebook
from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

NOTEBOOKS = "/wfo/api/v1/notebooks"
PATH = "common_workspace/sched/greet.ipynb"


def _post_notebook(platform: Platform, path: str, data: bytes) -> tuple[int, dict]:
    resp = platform.upload(NOTEBOOKS, [("greet.ipynb", data)], field="file", fields={"path": path})
    return resp.status, resp.json()


def test_upload_and_read_back_through_the_contract(platform: Platform) -> None:
    status, entry = _post_notebook(platform, PATH, greeting_notebook())
    assert status == 201, entry
    assert entry["folder"] == "common" and entry["path"] == "sched/greet.ipynb"
    read = platform.request(
        "GET", f"{NOTEBOOKS}/content?path={PATH}", token=platform.token(), expected=(200,)
    )
    assert read.body == greeting_notebook()
    # Outside the root, or not a notebook: refused before anything is stored.
    status, refused = _post_notebook(platform, "../escape.ipynb", greeting_notebook())
    assert status == 422 and "refused" in refused["detail"]
    status, refused = _post_notebook(platform, "common_workspace/x.ipynb", b"not json")
    assert status == 422 and "not a Jupyter notebook" in refused["detail"]


def test_parameters_cell_types_the_schedule_form(platform: Platform) -> None:
    found = platform.api("GET", f"/notebooks/parameters?path={PATH}", expected=(200,)).json()
    assert found["parameters"] == [
        {"name": "greeting", "type": "str", "default": "hello"},
        {"name": "times", "type": "int", "default": 1},
    ]
    nxt = platform.api("GET", "/notebooks/schedules/next-runs?schedule=0%206%20*%20*%201-5", expected=(200,))
    assert len(nxt.json()["next_runs"]) == 5


def test_bad_schedules_are_refused_with_their_reason(platform: Platform) -> None:
    cases = [
        ({"notebook": PATH, "schedule": "every day"}, "not a cron expression"),
        ({"notebook": PATH, "schedule": "@once", "parameters": {"times": "many"}}, "'times' must be a whole"),
        ({"notebook": "mine.ipynb", "schedule": "@once"}, "not in common_workspace"),
        ({"notebook": "common_workspace/none.ipynb", "schedule": "@once"}, "no notebook"),
        ({"notebook": PATH, "schedule": "@once", "config_group": "no-such-group"}, "no config group"),
    ]
    for body, reason in cases:
        resp = platform.api("POST", "/notebooks/schedules", json_body=body)
        assert resp.status in (404, 422), (body, resp.status, resp.body)
        assert reason in resp.json()["detail"], (body, resp.json())


def test_schedule_trigger_and_read_the_output(platform: Platform) -> None:
    body = {
        "notebook": PATH,
        "schedule": "0 6 * * *",
        "parameters": {"greeting": "bonjour", "times": "3"},
        "output_folder": "common_workspace/sched/out",
    }
    saved = platform.api("POST", "/notebooks/schedules", json_body=body, expected=(201,)).json()
    dag_id = saved["dag_id"]
    assert saved["dag_url"] == f"{platform.base_url}/dags/{dag_id}"
    assert saved["state"] == "ok" and saved["parameters"] == {"greeting": "bonjour", "times": 3}
    # Triggerable at once (the route answered after Airflow parsed the file), and not paused.
    run = platform.request(
        "POST",
        f"/api/v2/dags/{dag_id}/dagRuns",
        token=platform.token(),
        json_body={"logical_date": None},
        expected=(200,),
    ).json()
    assert platform.wait_for_run(dag_id, run["dag_run_id"]) == "success"
    runs = platform.api("GET", f"/notebooks/runs?notebook={PATH}", expected=(200,)).json()["runs"]
    mine = next(r for r in runs if r["dag_run_id"] == run["dag_run_id"])
    assert mine["state"] == "success" and mine["output"].startswith("common_workspace/sched/out/greet__")
    output = platform.api("GET", f"/notebooks/content?path={mine['output']}", expected=(200,)).json()
    printed = json.dumps([cell.get("outputs", []) for cell in output["cells"]])
    assert "bonjour|bonjour|bonjour" in printed
    # The file went through the DAG-files service: in the folder, committed with the user as author.
    history = platform.api("GET", f"/dag-files/{saved['file']}/history", expected=(200,)).json()
    assert history["revisions"][0]["author"] == "admin"
    listed = platform.api("GET", "/notebooks/schedules", expected=(200,)).json()["schedules"]
    assert any(s["dag_id"] == dag_id and s["schedule"] == "0 6 * * *" for s in listed)


def test_edit_rewrites_and_delete_keeps_history(platform: Platform) -> None:
    first = {"notebook": PATH, "schedule": "0 6 * * *", "parameters": {}}
    saved = platform.api("POST", "/notebooks/schedules", json_body=first, expected=(201,)).json()
    edited = {"notebook": PATH, "schedule": "30 7 * * 1", "parameters": {"times": 2}}
    again = platform.api("POST", "/notebooks/schedules", json_body=edited, expected=(201,)).json()
    assert again["dag_id"] == saved["dag_id"] and again["file"] == saved["file"]
    content = platform.api("GET", f"/dag-files/{saved['file']}", expected=(200,)).json()["content"]
    assert "schedule='30 7 * * 1'" in content and "'times': 2" in content
    platform.api("DELETE", f"/notebooks/schedules/{saved['dag_id']}", expected=(204,))
    assert platform.api("GET", f"/dag-files/{saved['file']}").status == 404
    history = platform.api("GET", f"/dag-files/{saved['file']}/history", expected=(200,)).json()
    assert history["revisions"][0]["action"] == "delete"
    assert platform.api("DELETE", f"/notebooks/schedules/{saved['dag_id']}").status == 404
    listed = platform.api("GET", "/notebooks/schedules", expected=(200,)).json()["schedules"]
    assert saved["dag_id"] not in [s["dag_id"] for s in listed]
