"""The SLA misses page: a miss shows with its link to Airflow's grid, an Admin documents it with a note,
a Viewer reads it without the editor; the DAG filter finds it."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from test_ui_spine import login

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e

DAG = """
from datetime import timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("sla_e2e", schedule=None):
    BashOperator(task_id="late", bash_command="sleep 5", sla=timedelta(seconds=2))
"""


@pytest.fixture(scope="module")
def miss(platform: Platform) -> dict[str, Any]:
    platform.deploy_dag("sla/sla_e2e.py", DAG)
    platform.trigger("sla_e2e")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = platform.api("GET", "/sla-misses?dag_id=sla_e2e").json()["misses"]
        if found:
            return dict(found[0])
        time.sleep(0.5)
    raise AssertionError("no SLA miss of sla_e2e was recorded")


def test_admin_documents_a_miss_and_follows_it_to_the_grid(
    page: Any, platform: Platform, miss: dict[str, Any], tmp_path: Path
) -> None:
    login(page, platform, "admin", platform.admin_password)
    page.goto(platform.base_url + "/plugin/wfo/sla-misses")
    page.get_by_test_id("sla-filter-dag_id").fill("sla_e2e")
    page.get_by_test_id("sla-filter-apply").click()
    row = page.get_by_test_id("sla-miss-sla_e2e-late")
    row.wait_for()
    assert "2 s" in row.inner_text() and miss["run_id"] in row.inner_text()
    assert "dag_id=sla_e2e" in page.url  # the filter is kept in the address, for bookmarks

    page.get_by_test_id(f"sla-note-edit-{miss['id']}").click()
    page.get_by_test_id(f"sla-note-input-{miss['id']}").fill("the sleep is on purpose: e2e")
    page.get_by_test_id(f"sla-note-save-{miss['id']}").click()
    note = page.get_by_test_id(f"sla-note-{miss['id']}")
    note.wait_for()
    assert note.inner_text() == "the sleep is on purpose: e2e"
    page.reload()
    assert page.get_by_test_id(f"sla-note-{miss['id']}").inner_text() == "the sleep is on purpose: e2e"
    page.screenshot(path=str(tmp_path / "sla-misses.png"), full_page=True)  # kept for a look

    page.get_by_test_id(f"sla-grid-link-{miss['id']}").click()
    page.wait_for_url(re.compile(r".*/dags/sla_e2e/runs/.+/tasks/late.*"))


def test_a_viewer_reads_misses_without_the_note_editor(
    page: Any, platform: Platform, miss: dict[str, Any]
) -> None:
    login(page, platform, "viewer_user", role_password("viewer_user"))
    page.goto(platform.base_url + "/plugin/wfo/sla-misses?dag_id=sla_e2e")
    page.get_by_test_id("sla-miss-sla_e2e-late").wait_for()
    assert page.get_by_test_id(f"sla-note-edit-{miss['id']}").count() == 0
