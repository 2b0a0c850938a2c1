"""The EDA page in a browser: add a source, run the preliminary and data-importance reports with the play
buttons, follow the run to its end, open each report in a new tab and see its charts (screenshots kept)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from helpers.platform_runner import Platform

pytestmark = pytest.mark.e2e

RUN_TIMEOUT_MS = 180_000


def login(page: Any, platform: Platform) -> None:
    page.goto(platform.base_url + "/")
    page.wait_for_url(re.compile(r".*/auth/login/.*"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", platform.admin_password)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))


def run_and_open(page: Any, row: Any, button: str, artifacts_dir: Path, shot: str) -> Any:
    """Press a play button, wait for the run's state to read success, open its report in a new tab."""
    row.get_by_test_id(button).click()
    state = row.get_by_test_id("eda-run-state")
    state.filter(has_text="success").wait_for(timeout=RUN_TIMEOUT_MS)
    with page.context.expect_page() as opened:
        row.get_by_test_id("eda-run-report").click()
    report = opened.value
    report.wait_for_load_state()
    report.screenshot(path=str(artifacts_dir / shot), full_page=True)
    return report


def test_add_a_source_run_both_reports_and_open_them(
    page: Any, platform: Platform, artifacts_dir: Path
) -> None:
    data = platform.home / "eda-data"
    data.mkdir(exist_ok=True)
    path = data / f"e2e-{uuid.uuid4().hex[:6]}.csv"
    rows = "".join(
        f"{i % 10},{['red', 'green', 'blue'][i % 3]},{'yes' if i % 10 >= 5 else 'no'}\n" for i in range(200)
    )
    path.write_text("size,colour,bought\n" + rows, encoding="utf-8")
    source = f"file://{path}"

    login(page, platform)
    page.goto(platform.base_url + "/plugin/wfo/eda")
    page.get_by_test_id("eda-source-input").fill(source)
    page.get_by_test_id("eda-source-add").click()
    row = page.get_by_test_id("eda-source").filter(has_text=path.name)
    row.wait_for()

    report = run_and_open(page, row, "eda-run-preliminary", artifacts_dir, "eda-preliminary-report.png")
    assert report.locator("svg").count() >= 3  # histograms, top values, heatmaps
    assert report.get_by_role("heading", name=re.compile("^colour")).count() == 1
    report.close()

    row.get_by_test_id("eda-target").fill("bought")
    report = run_and_open(page, row, "eda-run-importance", artifacts_dir, "eda-importance-report.png")
    table = report.locator("#feature-table")
    assert table.locator("tr").nth(1).inner_text().split("\t")[1].strip() == "size"
    report.close()

    page.reload()
    row = page.get_by_test_id("eda-source").filter(has_text=path.name)
    row.get_by_test_id("eda-output-report").first.wait_for()
    assert row.get_by_test_id("eda-output-report").count() == 2
    page.screenshot(path=str(artifacts_dir / "eda-page.png"), full_page=True)
