"""A user's first visit: log in on the real login page, open wfo, set the dashboard link, see it audited."""

from __future__ import annotations

import re
from typing import Any

import pytest

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e


def login(page: Any, platform: Platform, username: str, password: str) -> None:
    page.goto(platform.base_url + "/")
    page.wait_for_url(re.compile(r".*/auth/login/.*"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))


def test_admin_sets_the_dashboard_and_sees_it_in_the_audit_log(page: Any, platform: Platform) -> None:
    login(page, platform, "admin", platform.admin_password)
    # Our top-level menu entry in Airflow's navigation.
    page.get_by_role("link", name="wfo").first.click()
    page.wait_for_url(re.compile(r".*/plugin/wfo.*"))
    page.get_by_test_id("wfo-nav-visualisations").click()
    page.get_by_role("heading", name="Visualisations").wait_for()

    # Bad input is refused with the reason, nothing changes.
    page.get_by_test_id("visualisations-url-input").fill("ftp://files.example.com/report")
    page.get_by_test_id("visualisations-save").click()
    assert "http" in page.get_by_test_id("visualisations-error").inner_text()

    url = "https://bi.example.com/dashboards/e2e"
    page.get_by_test_id("visualisations-url-input").fill(url)
    page.get_by_test_id("visualisations-save").click()
    page.get_by_test_id("visualisations-saved").wait_for()
    link = page.get_by_test_id("visualisations-open")
    assert link.get_attribute("href") == url
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")

    page.get_by_test_id("wfo-nav-audit").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    first_row = page.get_by_test_id("audit-row").first
    first_row.wait_for()
    text = first_row.inner_text()
    assert "visualisation.update" in text and url in text and "admin" in text and "127.0.0.1" in text
    assert page.get_by_test_id("airflow-audit-log-link").is_visible()

    # The filter narrows the list to what was asked for.
    page.get_by_test_id("audit-filter-user").fill("nobody-here")
    page.get_by_test_id("audit-filter-apply").click()
    page.get_by_test_id("audit-empty").wait_for()


def test_viewer_sees_the_dashboard_but_not_the_audit_log_or_the_form(page: Any, platform: Platform) -> None:
    url = "https://bi.example.com/dashboards/viewer"
    platform.api("PUT", "/visualisations", json_body={"url": url}, expected=(200,))
    login(page, platform, "viewer_user", role_password("viewer_user"))
    page.goto(platform.base_url + "/plugin/wfo/visualisations")
    page.get_by_test_id("visualisations-open").wait_for()
    assert page.get_by_test_id("visualisations-open").get_attribute("href") == url
    assert page.get_by_test_id("visualisations-url-input").count() == 0
    assert page.get_by_test_id("wfo-nav-audit").count() == 0
    page.goto(platform.base_url + "/plugin/wfo/audit")
    page.get_by_test_id("wfo-forbidden").wait_for()
