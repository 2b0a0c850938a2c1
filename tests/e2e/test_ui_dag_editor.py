"""The manual's "Adding a new DAG", "Edit DAG code" and "Code Bricks", clicked through in the browser.

Create a DAG file from a code brick, see the validator mark a broken line, fix it, review the
side-by-side diff, save, find the DAG in Airflow and run it; save over someone else's change and
get the conflict; upload an Airflow 2 file, accept the proposed upgrade and run it; a Viewer gets
no write controls.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from test_ui_spine import login

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e

MOD = "Control"  # CodeMirror maps Mod to Ctrl on Linux


def _brick(platform: Platform, tag: str) -> dict[str, Any]:
    """A brick that runs anywhere (the shipped ones need Spark, Dask...): one Bash task."""
    code = (
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "\n"
        f'hello = BashOperator(task_id="hello", bash_command="echo brick-{tag}-ran", dag=dag)\n'
    )
    body = {"title": f"say hello {tag}", "description": "echo a line", "code": code, "tags": ["e2e", tag]}
    brick: dict[str, Any] = platform.api("POST", "/code-bricks", json_body=body, expected=(201,)).json()
    return brick


def _editor_lines(page: Any, showing: str | None = None) -> list[str]:
    """The editor's lines. With `showing`, first wait until that text is on screen: the editor
    appears before the file's text has arrived, so a single read can see it empty."""
    if showing is not None:
        from playwright.sync_api import expect

        expect(page.locator("[data-testid=dag-editor] .cm-content")).to_contain_text(showing)
    return [
        str(text) for text in page.locator("[data-testid=dag-editor] .cm-content .cm-line").all_inner_texts()
    ]


def _open_manage_dags(page: Any, platform: Platform) -> None:
    page.goto(platform.base_url + "/plugin/wfo/dag-files")
    page.get_by_role("heading", name="Manage DAGs").wait_for()


def test_create_a_dag_from_a_brick_fix_it_review_save_and_run(page: Any, platform: Platform) -> None:
    tag = secrets.token_hex(3)
    dag_id = f"ui_brick_{tag}"
    name = f"{dag_id}.py"
    brick = _brick(platform, tag)

    login(page, platform, "admin", platform.admin_password)
    _open_manage_dags(page, platform)
    page.get_by_test_id("dag-create").click()
    page.get_by_test_id("new-dag-name").fill(dag_id)  # ".py" is added
    page.get_by_test_id("new-dag-submit").click()
    page.get_by_test_id("dag-editor-new").wait_for()
    assert page.get_by_test_id("dag-editor-name").inner_text() == name
    # Not created until saved.
    assert platform.api("GET", f"/dag-files/{name}").status == 404

    # Insert the brick at the end of the template.
    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+End")
    page.get_by_test_id("bricks-search").fill(brick["title"])
    card = page.get_by_test_id("brick-card").filter(has_text=brick["title"])
    card.wait_for()
    page.get_by_test_id(f"brick-insert-{brick['id']}").click()
    lines = _editor_lines(page, showing=f"brick-{tag}-ran")
    assert any(f"brick-{tag}-ran" in line for line in lines)
    # The brick's import joins the file's import block at the top, not the middle of the file.
    bash_import = "from airflow.providers.standard.operators.bash import BashOperator"
    assert lines.count(bash_import) == 1
    assert lines.index(bash_import) == lines.index("from airflow.sdk import DAG") + 1

    # A broken line: the validator marks it in the gutter and lists it with its line number.
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("broken = 1 +")
    broken_line = _editor_lines(page).index("broken = 1 +") + 1
    page.get_by_test_id("dag-validate").click()
    page.get_by_test_id("dag-invalid").wait_for()
    assert page.get_by_test_id("dag-invalid").inner_text() == "1 error"
    problem = page.get_by_test_id("dag-problem-error").first
    assert f"line {broken_line}" in problem.inner_text()
    page.locator("[data-testid=dag-editor] .cm-lint-marker-error").first.wait_for()

    # Clicking the problem puts the cursor on its line: fix it and validate again.
    problem.get_by_role("button").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.type("fixed = 1 + 1")
    page.get_by_test_id("dag-validate").click()
    page.get_by_test_id("dag-valid").wait_for()
    assert dag_id in page.get_by_test_id("dag-validation-dag-ids").inner_text()
    assert page.locator("[data-testid=dag-editor] .cm-lint-marker-error").count() == 0

    # Ctrl-S opens the review: the side-by-side diff shows the new lines on the right.
    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+s")
    review = page.get_by_test_id("dag-review-diff")
    review.wait_for()
    assert "fixed = 1 + 1" in review.inner_text() and f"brick-{tag}-ran" in review.inner_text()
    # Back to the editor keeps the text; review again and save with a message.
    page.get_by_test_id("dag-review-back").click()
    assert "fixed = 1 + 1" in _editor_lines(page, showing="fixed = 1 + 1")
    page.get_by_test_id("dag-review").click()
    # The default message is the one the commit gets: a new file is created.
    assert page.get_by_test_id("dag-save-message").get_attribute("placeholder") == (
        f"What changed? (default: Create {name})"
    )
    page.get_by_test_id("dag-save-message").fill(f"first version {tag}")
    page.get_by_test_id("dag-save").click()
    page.get_by_test_id("dag-saved").wait_for()
    saved = platform.api("GET", f"/dag-files/{name}", expected=(200,)).json()
    assert "fixed = 1 + 1" in saved["content"] and f"brick-{tag}-ran" in saved["content"]
    history = platform.api("GET", f"/dag-files/{name}/history", expected=(200,)).json()["revisions"]
    assert history[0]["message"] == f"first version {tag}" and history[0]["author"] == "admin"

    # The DAG in Airflow: the link after saving opens its page; it is in the DAG list; it runs.
    platform.wait_for_dag(dag_id)
    page.get_by_test_id(f"dag-saved-link-{dag_id}").click()
    page.wait_for_url(re.compile(rf".*/dags/{dag_id}.*"))
    page.goto(platform.base_url + "/dags")
    page.get_by_role("link", name=dag_id).first.wait_for()
    # Turned on, then triggered from its page in Airflow's UI; the brick's task runs.
    platform.unpause(dag_id)
    page.goto(platform.base_url + f"/dags/{dag_id}")
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Trigger").last.click()
    page.get_by_text("Dag Run Triggered").first.wait_for()
    runs = platform.request(
        "GET", f"/api/v2/dags/{dag_id}/dagRuns", token=platform.token(), expected=(200,)
    ).json()["dag_runs"]
    assert len(runs) == 1
    run_id = runs[0]["dag_run_id"]
    assert platform.wait_for_run(dag_id, run_id) == "success"
    assert f"brick-{tag}-ran" in platform.task_log(dag_id, run_id, "hello")

    # Someone saves meanwhile: our save is refused with their change shown; we take their version.
    page.goto(platform.base_url + f"/plugin/wfo/dag-files/edit/{name}")
    page.locator("[data-testid=dag-editor] .cm-content").wait_for()
    theirs = saved["content"].rstrip("\n") + "\n# their note\n"
    platform.api(
        "PUT",
        f"/dag-files/{name}",
        json_body={"content": theirs, "base_revision": saved["revision"], "message": "their change"},
        expected=(200,),
    )
    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("# my note")
    page.get_by_test_id("dag-review").click()
    page.get_by_test_id("dag-save").click()
    conflict = page.get_by_test_id("dag-save-conflict")
    conflict.wait_for()
    assert "their note" in page.get_by_test_id("dag-conflict-diff").inner_text()
    page.get_by_test_id("dag-conflict-take-theirs").click()
    from playwright.sync_api import expect

    expect(page.get_by_test_id("dag-editor")).to_contain_text("# their note")
    assert "# my note" not in _editor_lines(page)

    # History: compare the first version with theirs, then restore the first version (confirmed).
    page.get_by_test_id("dag-editor-history").click()
    rows = page.get_by_test_id("dag-history-row")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    assert "+# their note" in page.get_by_test_id("dag-history-diff").inner_text()
    page.get_by_test_id("dag-history-restore-1").click()
    page.get_by_test_id("confirm-ok").click()
    page.get_by_test_id("dag-history-message").wait_for()
    rows.nth(2).wait_for()
    assert "restore" in rows.first.inner_text()
    restored = platform.api("GET", f"/dag-files/{name}", expected=(200,)).json()
    assert restored["content"] == saved["content"]

    # The list shows the file with a link to its DAG; the search finds it by DAG id.
    _open_manage_dags(page, platform)
    page.get_by_test_id("dag-file-search").fill(dag_id)
    page.get_by_test_id(f"dag-file-row-{name}").wait_for()
    assert (
        page.get_by_test_id(f"dag-link-{dag_id}")
        .get_attribute("href", timeout=5000)
        .endswith(f"/dags/{dag_id}")
    )
    page.get_by_test_id("dag-file-search").fill(f"no-such-thing-{tag}")
    page.get_by_test_id("dag-files-empty").wait_for()


LEGACY = """\
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator

dag = DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule_interval=None, catchup=False)

hello = BashOperator(task_id="hello", bash_command="echo legacy-{tag}-upgraded", dag=dag)
"""


def test_upload_a_legacy_dag_accept_the_upgrade_and_run_it(
    page: Any, platform: Platform, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3)
    dag_id = f"ui_legacy_{tag}"
    name = f"{dag_id}.py"
    path = tmp_path / name
    path.write_text(LEGACY.format(dag_id=dag_id, tag=tag), encoding="utf-8")

    login(page, platform, "admin", platform.admin_password)
    _open_manage_dags(page, platform)
    page.get_by_test_id("dag-upload-input").set_input_files(str(path))
    rejected = page.get_by_test_id("upload-rejected").filter(has_text=name)
    rejected.wait_for()
    diff = rejected.get_by_test_id("upload-upgrade-diff").inner_text()
    assert "-from airflow.operators.bash_operator import BashOperator" in diff
    assert "schedule_interval" in diff and "+" in diff
    assert platform.api("GET", f"/dag-files/{name}").status == 404  # nothing written yet

    rejected.get_by_test_id("upload-upgrade-accept").click()
    rejected.get_by_test_id("upload-upgrade-saved").wait_for()
    page.get_by_test_id(f"dag-file-row-{name}").wait_for()
    stored = platform.api("GET", f"/dag-files/{name}", expected=(200,)).json()
    assert "bash_operator" not in stored["content"] and "schedule_interval" not in stored["content"]
    assert stored["legacy"] is False

    platform.wait_for_dag(dag_id)
    assert platform.trigger_and_wait(dag_id) == "success"

    # Its history has the upgrade; opening the file shows no upgrade proposal any more.
    page.get_by_test_id(f"dag-file-history-{name}").click()
    page.get_by_test_id("dag-history-row").first.wait_for()
    assert "Upgrade" in page.get_by_test_id("dag-history-table").inner_text()
    page.get_by_test_id("dag-history-edit").click()
    page.locator("[data-testid=dag-editor] .cm-content").wait_for()
    assert page.get_by_test_id("dag-upgrade").count() == 0


def test_a_viewer_reads_dag_files_without_write_controls(page: Any, platform: Platform) -> None:
    tag = secrets.token_hex(3)
    name = f"ui_viewer_{tag}.py"
    platform.api(
        "PUT",
        f"/dag-files/{name}",
        json_body={"content": "# just a note, no DAG\nx = 1\n", "base_revision": None, "force": True},
        expected=(200,),
    )
    # Airflow's dark theme (next-themes keeps the choice in localStorage "theme"): the editor follows it.
    page.add_init_script("window.localStorage.setItem('theme', 'dark')")
    login(page, platform, "viewer_user", role_password("viewer_user"))
    _open_manage_dags(page, platform)
    page.get_by_test_id(f"dag-file-row-{name}").wait_for()
    assert page.get_by_test_id("dag-upload-button").count() == 0
    assert page.get_by_test_id("dag-create").count() == 0
    assert page.get_by_test_id(f"dag-file-delete-{name}").count() == 0
    page.get_by_test_id(f"dag-file-edit-{name}").click()
    page.get_by_test_id("dag-editor-read-only").wait_for()
    assert page.get_by_test_id("dag-review").count() == 0
    assert "x = 1" in _editor_lines(page, showing="x = 1")
    background = page.locator("[data-testid=dag-editor] .cm-editor").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background == "rgb(40, 44, 52)"  # One Dark's background


def test_a_developer_manages_code_bricks(page: Any, platform: Platform) -> None:
    tag = secrets.token_hex(3)
    title = f"print a greeting {tag}"
    login(page, platform, "dev_user", role_password("dev_user"))
    page.goto(platform.base_url + "/plugin/wfo/code-bricks")
    page.get_by_role("heading", name="Code bricks").wait_for()

    page.get_by_test_id("brick-add").click()
    page.get_by_test_id("brick-form-title").fill(title)
    page.get_by_test_id("brick-form-tags").fill(f"greeting, {tag}")
    page.get_by_test_id("brick-form-code").fill("def greet(:\n    pass\n")
    page.get_by_test_id("brick-form-submit").click()
    # Not valid Python: refused with the server's reason, the dialog stays open.
    assert page.get_by_test_id("brick-form-error").inner_text() != ""
    page.get_by_test_id("brick-form-code").fill(f'greeting = "hello {tag}"\n')
    page.get_by_test_id("brick-form-submit").click()
    page.get_by_test_id("bricks-message").wait_for()

    page.get_by_test_id("brick-search").fill(tag)  # tags are searched too
    row = page.get_by_test_id("brick-row").filter(has_text=title)
    row.wait_for()
    from playwright.sync_api import expect

    expect(page.get_by_test_id("brick-row")).to_have_count(1)  # once the search applies
    brick = next(
        b for b in platform.api("GET", f"/code-bricks?q={tag}").json()["bricks"] if b["title"] == title
    )
    assert brick["updated_by"] == "dev_user" and brick["tags"] == ["greeting", tag]

    page.get_by_test_id(f"brick-delete-{brick['id']}").click()
    page.get_by_test_id("confirm-ok").click()
    page.get_by_test_id("bricks-list-empty").wait_for()


def _warns_on_unload(page: Any) -> bool:
    """Whether closing or reloading the tab now would ask (the page cancels `beforeunload`)."""
    return bool(
        page.evaluate(
            "() => { const e = new Event('beforeunload', {cancelable: true});"
            " window.dispatchEvent(e); return e.defaultPrevented; }"
        )
    )


def test_a_new_dag_is_not_requested_and_unsaved_changes_are_guarded(page: Any, platform: Platform) -> None:
    tag = secrets.token_hex(3)
    name = f"ui_guard_{tag}.py"
    not_found: list[str] = []
    page.on("response", lambda response: not_found.append(response.url) if response.status == 404 else None)

    login(page, platform, "dev_user", role_password("dev_user"))
    _open_manage_dags(page, platform)
    page.get_by_test_id("dag-create").click()
    page.get_by_test_id("new-dag-name").fill(name)
    page.get_by_test_id("new-dag-submit").click()
    page.get_by_test_id("dag-editor-new").wait_for()
    page.locator("[data-testid=dag-editor] .cm-content").wait_for()
    # A new file is known to be new: no request for it, so no 404 in the console.
    assert not [url for url in not_found if "/dag-files/" in url], not_found
    assert not _warns_on_unload(page)  # the untouched template loses nothing

    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("# unsaved thought")
    assert _warns_on_unload(page)

    # In-app navigation asks first; "Stay" keeps the page and the text.
    page.get_by_test_id("dag-editor-back").click()
    page.get_by_test_id("dag-leave-dialog").wait_for()
    page.get_by_test_id("dag-leave-stay").click()
    page.get_by_test_id("dag-leave-dialog").wait_for(state="detached")
    assert "# unsaved thought" in _editor_lines(page)
    assert page.url.endswith(f"/dag-files/edit/{name}?new=1")
    # Airflow's own navigation (its side bar) asks too: it is the same router.
    page.locator("a[href$='/dags']").first.click()
    page.get_by_test_id("dag-leave-dialog").wait_for()
    page.get_by_test_id("dag-leave-stay").click()
    assert "# unsaved thought" in _editor_lines(page)

    # Saved, nothing is lost any more: leaving does not ask.
    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("# saved thought")
    page.get_by_test_id("dag-review").click()
    page.get_by_test_id("dag-save").click()
    page.get_by_test_id("dag-saved").wait_for()
    assert not _warns_on_unload(page)
    page.get_by_test_id("dag-editor-back").click()
    page.get_by_role("heading", name="Manage DAGs").wait_for()
    assert page.get_by_test_id("dag-leave-dialog").count() == 0

    # Unsaved edits to a saved file: "Leave and discard" goes, and the file keeps its saved content.
    page.get_by_test_id(f"dag-file-link-{name}").click()
    page.locator("[data-testid=dag-editor] .cm-content").click()
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type("# dropped")
    page.get_by_test_id("dag-editor-modified").wait_for()
    page.get_by_test_id("dag-editor-back").click()
    page.get_by_test_id("dag-leave-confirm").click()
    page.get_by_role("heading", name="Manage DAGs").wait_for()
    content = platform.api("GET", f"/dag-files/{name}", expected=(200,)).json()["content"]
    assert "# saved thought" in content and "# dropped" not in content


def test_examples_are_listed_viewed_and_copied(page: Any, platform: Platform) -> None:
    tag = secrets.token_hex(3)
    target = f"ui_pi_{tag}.py"
    platform.wait_for_dag("ExampleSparkPi")
    login(page, platform, "dev_user", role_password("dev_user"))
    _open_manage_dags(page, platform)
    page.get_by_test_id("dag-examples-heading").wait_for()
    row = page.get_by_test_id("dag-example-row-example_spark_pi.py")
    row.wait_for()
    assert "SparkPi with a JVM code artifact" in row.inner_text()
    assert page.get_by_test_id("dag-examples-table").locator("tbody tr").count() == 11

    # Viewed read-only in the editor, with the copy action.
    page.get_by_test_id("dag-example-view-example_spark_pi.py").click()
    page.get_by_test_id("dag-editor-example").wait_for()
    assert 'dag_id="ExampleSparkPi",' in " ".join(_editor_lines(page, showing="ExampleSparkPi"))
    assert page.get_by_test_id("dag-review").count() == 0 and page.get_by_test_id("dag-validate").count() == 0
    page.get_by_test_id("dag-example-copy").click()
    assert page.get_by_test_id("copy-example-name").input_value() == "example_spark_pi.py"
    page.get_by_test_id("copy-example-name").fill(target)
    page.get_by_test_id("copy-example-submit").click()
    # The copy opens in the editor, as a file of the DAGs folder with a DAG id of its own.
    page.wait_for_url(re.compile(rf".*/dag-files/edit/{target}$"))
    page.get_by_test_id("dag-editor-history").wait_for()
    dag_id = target.removesuffix(".py")
    assert f'dag_id="{dag_id}",' in " ".join(_editor_lines(page, showing=dag_id))
    history = platform.api("GET", f"/dag-files/{target}/history", expected=(200,)).json()["revisions"]
    assert history[0]["author"] == "dev_user" and history[0]["action"] == "create"

    # From the list: the same name again is refused with a clear message, the dialog stays open.
    _open_manage_dags(page, platform)
    page.get_by_test_id(f"dag-file-row-{target}").wait_for()
    page.get_by_test_id("dag-example-copy-example_spark_pi.py").click()
    page.get_by_test_id("copy-example-name").fill(target)
    page.get_by_test_id("copy-example-submit").click()
    error = page.get_by_test_id("copy-example-error")
    error.wait_for()
    assert f"'{target}' exists already in your DAGs folder" in error.inner_text()
    page.get_by_test_id("copy-example-name").fill(f"team/pi_{tag}")
    page.get_by_test_id("copy-example-submit").click()
    message = page.get_by_test_id("dag-example-copy-message")
    message.wait_for()
    assert f"team/pi_{tag}.py; its DAG is pi_{tag}." in message.inner_text()
    page.get_by_test_id(f"dag-file-row-team/pi_{tag}.py").wait_for()
