"""The wfo frame and the code bricks table at laptop widths: one line of tabs, nothing drawn over a
neighbouring column. Screenshots of what was checked are kept in the test's tmp dir."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_spine import login

from helpers.platform_runner import Platform

pytestmark = pytest.mark.e2e

# For each cell of a table: the parts of its text and elements that are drawn (after clipping by
# `overflow: hidden` ancestors, e.g. a truncated title) outside the cell's box.
_OVERFLOWING_CONTENT_JS = """
(table) => {
  const clipped = (rect, node, cell) => {
    let { left, right } = rect;
    for (let el = node.parentElement; el && el !== cell.parentElement; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX !== "visible") {
        const box = el.getBoundingClientRect();
        left = Math.max(left, box.left);
        right = Math.min(right, box.right);
      }
    }
    return { left, right };
  };
  const problems = [];
  for (const row of table.querySelectorAll("tbody tr")) {
    row.querySelectorAll(":scope > td").forEach((cell, column) => {
      const box = cell.getBoundingClientRect();
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let rect;
        if (node.nodeType === Node.TEXT_NODE) {
          if (!node.textContent.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          rect = range.getBoundingClientRect();
        } else {
          rect = node.getBoundingClientRect();
        }
        if (rect.width === 0) continue;
        const seen = clipped(rect, node, cell);
        if (seen.right > box.right + 0.5 || seen.left < box.left - 0.5) {
          problems.push({ column, row: row.dataset.title ?? "", text: (node.textContent ?? "").slice(0, 40),
                          cell: [box.left, box.right], drawn: [seen.left, seen.right] });
        }
      }
    });
  }
  return problems;
}
"""


def _assert_inside_cells(table: Any) -> None:
    drawn_outside = table.evaluate(_OVERFLOWING_CONTENT_JS)
    if drawn_outside:
        pytest.fail("drawn outside its cell: " + json.dumps(drawn_outside))


@pytest.fixture
def crowded_brick(platform: Platform) -> Iterator[dict[str, Any]]:
    """A brick with a long description and many tags, as users write them."""
    suffix = secrets.token_hex(3)
    body = {
        "title": f"Load the daily partitions of the clickstream table into the feature store {suffix}",
        "description": (
            "Reads yesterday's partitions of events.clickstream_daily_partitioned_by_country_and_hour, "
            "deduplicates sessions and writes them to the feature store with the team's naming rules."
        ),
        "code": "x = 1\n",
        "tags": ["spark", "clickstream", "feature-store", "daily", "partitions", "deduplication", "example"],
    }
    brick: dict[str, Any] = platform.api("POST", "/code-bricks", json_body=body, expected=(201,)).json()
    yield brick
    platform.api("DELETE", f"/code-bricks/{brick['id']}", expected=(204, 404))


@pytest.mark.parametrize("width", [1024, 1440])
def test_tab_bar_and_code_bricks_fit_the_window(
    browser: Any, platform: Platform, crowded_brick: dict[str, Any], tmp_path: Path, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        login(page, platform, "admin", platform.admin_password)
        page.goto(platform.base_url + "/plugin/wfo")
        page.get_by_role("heading", name="Overview").wait_for()
        # The overview describes what exists (the pages of the manual built so far), nothing yet to come.
        overview = page.locator("body").inner_text().lower()
        for area in ("config groups", "notebook", "exploratory data analysis", "models and datasets"):
            assert area in overview
        for missing in ("git configuration", "warm spark", "spark connect"):
            assert missing not in overview

        # Every tab on one line, none scrolled out of sight; the user name is Airflow's to show.
        nav = page.get_by_test_id("wfo-nav")
        page.get_by_test_id("wfo-nav-visualisations").wait_for()
        tabs = nav.locator("a")
        tops = {round(tabs.nth(i).bounding_box()["y"]) for i in range(tabs.count())}
        assert tabs.count() >= 8 and len(tops) == 1, f"tabs on {len(tops)} lines"
        assert nav.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the tab bar scrolls"
        assert page.get_by_test_id("wfo-username").count() == 0
        assert "admin" not in nav.inner_text()

        page.get_by_test_id("wfo-nav-code-bricks").click()
        row = page.locator(f'[data-testid="brick-row"][data-title="{crowded_brick["title"]}"]')
        row.wait_for()
        table = page.get_by_test_id("bricks-table")
        page.screenshot(path=str(tmp_path / f"code-bricks-{width}.png"), full_page=True)
        assert (tmp_path / f"code-bricks-{width}.png").stat().st_size > 0
        _assert_inside_cells(table)

        # The crowded row: its tags wrap inside their own column, under nothing else.
        cells = [row.locator(":scope > td").nth(i).bounding_box() for i in range(4)]
        for left, right in zip(cells, cells[1:], strict=False):
            assert left["x"] + left["width"] <= right["x"] + 0.5
        tags = row.get_by_test_id("brick-tags-cell")
        badges = tags.locator(":scope > div > span")
        tag_boxes = [badges.nth(i).bounding_box() for i in range(badges.count())]
        assert len(tag_boxes) == len(crowded_brick["tags"])
        assert len({round(box["y"]) for box in tag_boxes}) > 1, "seven tags fit on one line: widen the test"

        # The code opens inside the title column.
        row.get_by_test_id(f"brick-show-{crowded_brick['id']}").click()
        row.get_by_test_id(f"brick-code-{crowded_brick['id']}").wait_for()
        page.screenshot(path=str(tmp_path / f"code-bricks-{width}-code.png"), full_page=True)
        _assert_inside_cells(table)
    finally:
        context.close()
