"""Issue 10 item 11, the exploit as the test: DAG-file routes honour Airflow's per-DAG access.

Before the fix any role with `WFO DAG Files` can_read read the source of every DAG file, whatever
Airflow's per-DAG grants said. Here a FAB role reads one DAG only (`DAG:sec_access_a`, plus `DAG Code`
and `WFO DAG Files`, what Airflow's own Code view and our page need): its user sees that file and no
other, and every other file answers exactly like a file that does not exist (404).
"""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any

import pytest

from helpers.platform_runner import Platform, Response, role_password

pytestmark = pytest.mark.integration

ROLE, USER, PASSWORD = "SecDagReaderA", "sec_dag_reader_a", "pw-sec_dag_reader_a-Secret1"
FILES = {
    "sec_access/a.py": "sec_access_a",
    "sec_access/b.py": "sec_access_b",
    "sec_access/helper.py": None,  # defines no DAG: only readers of every DAG may read it
}


def dag_source(dag_id: str) -> str:
    return (
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None):\n"
        "    EmptyOperator(task_id='only')\n"
    )


def as_user(platform: Platform, method: str, path: str, user: str, **kwargs: Any) -> Response:
    if user == USER:
        password = PASSWORD
    else:
        password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(method, path, token=platform.token(user, password), **kwargs)


@pytest.fixture(scope="module")
def reader_of_a(platform: Platform) -> dict[str, str]:
    """The three files saved and parsed, and a user whose role may read DAG sec_access_a only."""
    commits = {}
    for name, dag_id in FILES.items():
        content = dag_source(dag_id) if dag_id else "HELPER_CONSTANT = 1\n"
        body = {"content": content, "base_revision": None}
        saved = as_user(platform, "PUT", f"/wfo/api/v1/dag-files/{name}", "dev_user", json_body=body)
        assert saved.status == 200, saved.body
        commits[name] = saved.json()["commit"]
    for dag_id in ("sec_access_a", "sec_access_b"):
        platform.wait_for_dag(dag_id)
    deadline = time.monotonic() + 60
    while True:  # the listing knows both files' DAGs once the parse is recorded
        files = as_user(platform, "GET", "/wfo/api/v1/dag-files?q=sec_access", "admin", expected=(200,))
        states = {f["name"]: f["dag_ids"] for f in files.json()["files"]}
        if states.get("sec_access/a.py") and states.get("sec_access/b.py"):
            break
        assert time.monotonic() < deadline, states
        time.sleep(0.5)
    grants = [("can_read", "DAG:sec_access_a"), ("can_read", "DAG Code"), ("can_read", "WFO DAG Files")]
    role = {"name": ROLE, "actions": [{"action": {"name": a}, "resource": {"name": r}} for a, r in grants]}
    platform.request("POST", "/auth/fab/v1/roles", json_body=role, token=platform.token(), expected=(200,))
    platform.create_user(USER, ROLE, PASSWORD)
    return commits


def test_the_listing_shows_only_files_whose_dags_the_user_may_read(
    platform: Platform, reader_of_a: dict[str, str]
) -> None:
    mine = as_user(platform, "GET", "/wfo/api/v1/dag-files", USER, expected=(200,)).json()["files"]
    assert [(f["name"], f["dag_ids"]) for f in mine] == [("sec_access/a.py", ["sec_access_a"])]
    # A reader of every DAG (Viewer) sees all three, the helper without a DAG included.
    everything = as_user(platform, "GET", "/wfo/api/v1/dag-files?q=sec_access", "viewer_user")
    assert sorted(f["name"] for f in everything.json()["files"]) == sorted(FILES)


def test_the_readable_file_opens_with_its_history_revisions_and_diff(
    platform: Platform, reader_of_a: dict[str, str]
) -> None:
    base = "/wfo/api/v1/dag-files/sec_access/a.py"
    detail = as_user(platform, "GET", base, USER, expected=(200,)).json()
    assert "sec_access_a" in detail["content"] and detail["dag_ids"] == ["sec_access_a"]
    commit = reader_of_a["sec_access/a.py"]
    revisions = as_user(platform, "GET", f"{base}/history", USER).json()["revisions"]
    assert [r["commit"] for r in revisions] == [commit]
    assert as_user(platform, "GET", f"{base}/revisions/{commit}", USER).json()["content"] == detail["content"]
    assert as_user(platform, "GET", f"{base}/diff?from={commit}", USER).status == 200


@pytest.mark.parametrize("name", ["sec_access/b.py", "sec_access/helper.py"])
def test_other_files_answer_like_missing_files(
    platform: Platform, reader_of_a: dict[str, str], name: str
) -> None:
    commit = reader_of_a[name]
    missing = "sec_access/never_existed.py"
    for suffix in ("", "/history", f"/revisions/{commit}", f"/diff?from={commit}"):
        hidden = as_user(platform, "GET", f"/wfo/api/v1/dag-files/{name}{suffix}", USER)
        absent = as_user(platform, "GET", f"/wfo/api/v1/dag-files/{missing}{suffix}", USER)
        assert (hidden.status, absent.status) == (404, 404), (suffix, hidden.body, absent.body)
        assert hidden.json()["detail"] == absent.json()["detail"].replace(missing, name)
        assert b"sec_access_b" not in hidden.body and b"HELPER_CONSTANT" not in hidden.body
        # Readers of every DAG still get the file.
        viewer = as_user(platform, "GET", f"/wfo/api/v1/dag-files/{name}{suffix}", "viewer_user")
        assert viewer.status == 200, (suffix, viewer.body)


def test_the_export_holds_only_the_readable_file(platform: Platform, reader_of_a: dict[str, str]) -> None:
    export = as_user(platform, "GET", "/api/dags/", USER, expected=(200,))
    with tarfile.open(fileobj=io.BytesIO(export.body)) as archive:
        names = archive.getnames()
    assert "sec_access/a.py" in names
    assert not {"sec_access/b.py", "sec_access/helper.py"} & set(names)
    assert [n for n in names if n.endswith(".py")] == ["sec_access/a.py"]
    viewer = as_user(platform, "GET", "/api/dags/", "viewer_user", expected=(200,))
    with tarfile.open(fileobj=io.BytesIO(viewer.body)) as archive:
        assert {"sec_access/a.py", "sec_access/b.py", "sec_access/helper.py"} <= set(archive.getnames())
