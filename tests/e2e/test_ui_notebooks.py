"""Jupyter Notebook in the browser: wfo's menu -> JupyterLab without a second login -> a notebook in
common_workspace on the PySpark kernel computes with Spark -> saved -> it runs as a CoutureJupyterOperator
task. A Viewer sees no entry and the hub refuses them."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from test_ui_spine import login

from helpers.notebooks import greeting_notebook
from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e

NOTEBOOK = "e2e_spark.ipynb"
DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureJupyterOperator

with DAG("wfo_e2e_hub_notebook", schedule=None, catchup=False):
    CoutureJupyterOperator(
        task_id="saved_in_jupyterlab",
        input_notebook="common_workspace/e2e_spark.ipynb",
        output_notebook="common_workspace/e2e_spark_run.ipynb",
        config_group="default",
        retries=0,
    )
"""


def test_menu_to_jupyterlab_to_a_spark_cell_to_a_task(
    page: Any, platform: Platform, artifacts_dir: Path
) -> None:
    login(page, platform, "dev_user", role_password("dev_user"))
    page.get_by_role("link", name="wfo").first.click()
    page.get_by_test_id("wfo-nav-notebooks").click()
    page.get_by_role("heading", name="Jupyter Notebook").wait_for()

    with page.context.expect_page(timeout=120_000) as opened:
        page.get_by_test_id("notebooks-open-lab").click()
    lab = opened.value
    lab.wait_for_url(re.compile(r".*/user/dev_user/lab.*"), timeout=120_000)
    assert "/hub/login" not in lab.url  # no second login

    # A new notebook in common_workspace on the PySpark kernel (created as JupyterLab's "New" does).
    hub = lab.url.split("/user/")[0]
    xsrf = next(c["value"] for c in lab.context.cookies() if c["name"] == "_xsrf")
    model = {
        "type": "notebook",
        "content": {
            "cells": [
                {"cell_type": "code", "source": "", "metadata": {}, "outputs": [], "execution_count": None}
            ],
            "metadata": {
                "kernelspec": {
                    "name": "wfo-pyspark",
                    "display_name": "PySpark (default)",
                    "language": "python",
                }
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        },
    }
    created = lab.request.put(
        f"{hub}/user/dev_user/api/contents/common_workspace/{NOTEBOOK}",
        data=model,
        headers={"X-XSRFToken": xsrf},
    )
    assert created.status in (200, 201), created.text()
    lab.goto(f"{hub}/user/dev_user/lab/tree/common_workspace/{NOTEBOOK}")
    editor = lab.locator(".jp-Notebook .jp-Cell .cm-content").first
    editor.wait_for(timeout=60_000)
    # The kernel has started (its `spark` session built) when the status bar says so.
    lab.get_by_text("PySpark (default) | Idle").wait_for(timeout=180_000)
    editor.click()
    lab.keyboard.type("print('count', spark.range(10).count())")
    lab.keyboard.press("Shift+Enter")
    try:
        lab.locator(".jp-OutputArea-output", has_text="count 10").wait_for(timeout=180_000)
    except Exception:
        lab.screenshot(path=str(artifacts_dir / "notebooks-lab-failure.png"))
        raise
    lab.keyboard.press("Control+s")

    def saved_outputs() -> str:
        got = lab.request.get(f"{hub}/user/dev_user/api/contents/common_workspace/{NOTEBOOK}")
        if not got.ok:  # read while Jupyter rewrites the file in place: 400 "Unreadable Notebook"; again
            return ""
        return json.dumps(got.json()["content"]["cells"][0].get("outputs", []))

    lab.wait_for_function("() => true")  # let the save request go out
    for _ in range(40):
        if "count 10" in saved_outputs():
            break
        lab.wait_for_timeout(250)
    assert "count 10" in saved_outputs()

    # The saved notebook is the one a DAG runs, without copying.
    platform.deploy_dag("wfo_e2e_hub_notebook.py", DAG)
    assert platform.trigger_and_wait("wfo_e2e_hub_notebook", timeout=300) == "success"
    ran = json.loads((platform.home / "store/notebooks/common_workspace/e2e_spark_run.ipynb").read_text())
    assert any("count 10" in json.dumps(cell.get("outputs", [])) for cell in ran["cells"])


def test_a_viewer_has_no_entry_and_the_hub_refuses_them(page: Any, platform: Platform) -> None:
    from wfo.hub import tickets

    login(page, platform, "viewer_user", role_password("viewer_user"))
    page.get_by_role("link", name="wfo").first.click()
    page.get_by_test_id("wfo-nav-visualisations").wait_for()
    assert page.get_by_test_id("wfo-nav-notebooks").count() == 0
    # Even with a ticket signed by this instance, the hub checks the role itself.
    ticket = tickets.issue(platform.home, "viewer_user")
    answer = page.goto(f"http://localhost:{platform.port + 3000}/hub/wfo-login?ticket={ticket}")
    assert answer is not None and answer.status == 403


SCHEDULED = "common_workspace/e2e_sched/greet.ipynb"


def test_schedule_a_notebook_with_a_parameter_and_a_cron(page: Any, platform: Platform) -> None:
    uploaded = platform.upload(
        "/wfo/api/v1/notebooks",
        [("greet.ipynb", greeting_notebook())],
        field="file",
        fields={"path": SCHEDULED},
    )
    assert uploaded.status == 201, uploaded.body
    login(page, platform, "dev_user", role_password("dev_user"))
    page.goto(platform.base_url + "/plugin/wfo/notebooks")
    page.get_by_test_id(f"notebook-schedule-{SCHEDULED}").click()
    dialog = page.get_by_test_id("schedule-dialog")
    # The parameters cell's defaults fill the form; the cron is checked and its next runs shown.
    assert dialog.get_by_test_id("schedule-param-greeting").input_value() == "hello"
    dialog.get_by_test_id("schedule-cron").fill("every day")
    dialog.get_by_test_id("schedule-cron-error").wait_for()
    dialog.get_by_test_id("schedule-cron").fill("15 4 * * 1-5")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=schedule-next-runs]')?.textContent.startsWith('Next:')"
    )
    dialog.get_by_test_id("schedule-param-greeting").fill("salut")
    dialog.get_by_test_id("schedule-param-times").fill("2")
    dialog.get_by_test_id("schedule-submit").click()
    # Redirected to the DAG's page in Airflow's UI, then triggered there.
    page.wait_for_url(re.compile(r".*/dags/notebook_e2e_sched_greet_[0-9a-f]{8}$"), timeout=30_000)
    dag_id = page.url.rsplit("/", 1)[-1]
    page.get_by_role("button", name="Trigger").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Trigger").last.click()
    page.get_by_text("Dag Run Triggered").first.wait_for()
    runs = platform.request(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns", token=platform.token(), expected=(200,)
    ).json()["dag_runs"]
    run_id = runs[0]["dag_run_id"]
    assert platform.wait_for_run(dag_id, run_id, timeout=180) == "success"
    # The Notebooks page lists the run; its output, rendered, shows the parameter's effect.
    page.goto(platform.base_url + "/plugin/wfo/notebooks")
    page.get_by_test_id(f"notebook-runs-{SCHEDULED}").click()
    output = page.get_by_test_id(f"run-output-{run_id}")
    output.wait_for()
    with page.context.expect_page() as opened:
        output.click()
    rendered = opened.value
    rendered.get_by_text("salut|salut").first.wait_for()
    platform.api("DELETE", f"/notebooks/schedules/{dag_id}", expected=(204,))


def test_git_tab_configure_commit_push_and_history(
    page: Any, platform: Platform, tmp_path: Path, artifacts_dir: Path
) -> None:
    import subprocess

    from urllib3 import encode_multipart_formdata

    bare = tmp_path / "team.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    body, content_type = encode_multipart_formdata(
        [("path", "e2e_git/analysis.ipynb"), ("file", ("analysis.ipynb", greeting_notebook()))]
    )
    dev_token = platform.token("dev_user", role_password("dev_user"))
    platform.request(
        "POST",
        "/wfo/api/v1/notebooks",
        data=body,
        token=dev_token,
        headers={"Content-Type": content_type},
        expected=(201,),
    )
    login(page, platform, "dev_user", role_password("dev_user"))
    page.goto(platform.base_url + "/plugin/wfo/notebooks")
    page.get_by_test_id("notebooks-tab-git").click()
    page.get_by_test_id("git-config-remote_url").fill(f"file://{bare}")
    page.get_by_test_id("git-config-author_name").fill("Dev User")
    page.get_by_test_id("git-config-author_email").fill("dev@example.org")
    page.get_by_test_id("git-config-save").click()
    page.get_by_test_id("git-config-outcome-message").wait_for()
    # The folder's status lists the uploaded notebook; its diff is by cell; commit it, push it. The
    # status is read when the actions appear; "Refresh" reads it again while waiting (a status read in the
    # same moment as the save may predate it), and a failure shows what the panel said.
    listed = page.get_by_test_id("git-diff-e2e_git/analysis.ipynb")
    deadline = time.monotonic() + 90
    while not listed.is_visible():
        if time.monotonic() > deadline:
            page.screenshot(path=str(artifacts_dir / "notebooks-git-tab-failure.png"), full_page=True)
            panel = page.locator("body").inner_text()
            raise AssertionError(
                f"the git status never listed the uploaded notebook; the page says:\n{panel}"
            )
        refresh = page.get_by_role("button", name="Refresh")
        if refresh.is_visible():
            refresh.click()
        page.wait_for_timeout(2000)  # the poll's interval
    page.get_by_test_id("git-diff-e2e_git/analysis.ipynb").click()
    assert "inserted before /cells/0" in page.get_by_test_id("git-diff").inner_text()
    page.get_by_test_id("git-select-e2e_git/analysis.ipynb").click()
    page.get_by_test_id("git-message").fill("Analysis from the browser")
    page.get_by_test_id("git-commit").click()
    page.get_by_test_id("git-log").get_by_text("Analysis from the browser").wait_for()
    page.get_by_test_id("git-push").click()
    page.get_by_test_id("git-outcome-message").get_by_text("pushed").wait_for()
    pushed = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "--format=%s|%an", "main"], capture_output=True, text=True
    )
    assert pushed.stdout.strip() == "Analysis from the browser|Dev User"
