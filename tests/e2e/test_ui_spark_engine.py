"""The Spark engine of a config group on its Spark tab: read by everyone, changed by Developers and Admins.

An Op sees the engine but cannot change it (a code setting); a Developer switches the group to a remote
Spark Connect server (a bad URL is refused next to the field, nothing changes), then to wfo's own server,
which shows the link to Spark's UI; a Viewer sees the new engine and no link, and no select of the group's
tabs that it could change.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import expect
from test_ui_spine import login

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e
WAIT_MS = 20_000


@contextmanager
def _browsing_as(browser: Any, platform: Platform, username: str, group: str) -> Iterator[Any]:
    """A page of `username`'s own browser context on the group's Spark tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        login(page, platform, username, role_password(username))
        page.goto(platform.base_url + f"/plugin/wfo/config-groups/{group}/spark")
        page.get_by_role("heading", name="Spark configuration").wait_for()
        page.get_by_test_id("spark-engine-current").wait_for()
        yield page
    finally:
        context.close()


@pytest.fixture
def group(platform: Platform) -> Iterator[str]:
    name = f"engine_{secrets.token_hex(3)}"
    platform.api("POST", "/config-groups", json_body={"name": name}, expected=(201,))
    yield name
    platform.api("DELETE", f"/config-groups/{name}", expected=(200, 204))


def test_the_engine_is_shown_to_all_and_changed_by_developers(
    browser: Any, platform: Platform, group: str
) -> None:
    engine = f"/config-groups/{group}/spark-engine"
    with _browsing_as(browser, platform, "op_user", group) as page:
        expect(page.get_by_test_id("spark-engine-current")).to_contain_text("spark-submit")
        expect(page.get_by_test_id("spark-engine-engine")).to_be_disabled()
        page.get_by_test_id("spark-engine-readonly").wait_for()
        assert page.get_by_test_id("spark-engine-save").count() == 0
        assert page.get_by_test_id("spark-ui-link").count() == 0

    with _browsing_as(browser, platform, "dev_user", group) as page:
        page.get_by_test_id("spark-engine-engine").select_option("connect")
        page.get_by_test_id("spark-engine-server").select_option("remote")
        page.get_by_test_id("spark-engine-url").fill("http://spark.lan:15002")
        page.get_by_test_id("spark-engine-token").fill("s3cret-token")
        page.get_by_test_id("spark-engine-save").click()
        expect(page.get_by_test_id("spark-engine-url-error")).to_contain_text("must look like sc://host:port")
        assert platform.api("GET", engine, expected=(200,)).json() == {"engine": "submit", "url": None}

        page.get_by_test_id("spark-engine-url").fill("sc://spark.lan:15002")
        page.get_by_test_id("spark-engine-save").click()
        page.get_by_test_id("spark-engine-message").wait_for()
        expect(page.get_by_test_id("spark-engine-current")).to_contain_text(
            "Spark Connect: sc://spark.lan:15002"
        )
        assert platform.api("GET", engine, expected=(200,)).json() == {
            "engine": "connect",
            "url": "sc://spark.lan:15002",
        }
        # The token is write-only: the field is empty again, the page never had it back.
        expect(page.get_by_test_id("spark-engine-token")).to_have_value("")
        assert "s3cret-token" not in page.content()

        page.get_by_test_id("spark-engine-server").select_option("wfo")
        page.get_by_test_id("spark-engine-save").click()
        expect(page.get_by_test_id("spark-engine-current")).to_contain_text("the server wfo runs")
        link = page.get_by_test_id("spark-ui-link")
        assert link.get_attribute("href") == "/wfo/spark-ui/"
        # The link's target answers the Developer (the server's jobs page, or 503 while it does not run).
        answer = page.request.get(platform.base_url + "/wfo/spark-ui/")
        assert answer.status in (200, 503), answer.status
        if answer.status == 503:
            assert "the Spark Connect server is not running" in answer.json()["detail"]
        else:
            assert "Spark Jobs" in answer.text()

    with _browsing_as(browser, platform, "viewer_user", group) as page:
        expect(page.get_by_test_id("spark-engine-current")).to_contain_text("the server wfo runs")
        assert page.get_by_test_id("spark-ui-link").count() == 0
        assert page.request.get(platform.base_url + "/wfo/spark-ui/").status == 403
        # Every select of the group's other tabs is read-only for a Viewer, as their inputs are (a select
        # inside a form field takes the field's state, not its own).
        for tab, select in (
            ("livy", "livy-python-auth"),
            ("kerberos", "kerberos-keytab"),
            ("runtime", "runtime-dask-mode"),
        ):
            page.goto(platform.base_url + f"/plugin/wfo/config-groups/{group}/{tab}")
            expect(page.get_by_test_id(select)).to_be_disabled()
