"""The LDAP configuration page (Admin only) against a real slapd: the connection test shows the user's groups
and the roles they would get, a wrong bind password is refused with the reason, non-Admins are turned away.
Needs the UI bundle built with the page (`cd src/wfo/ui && npm run build`). Nothing here switches the
platform to LDAP (tests/e2e/test_ui_ldap_login.py does, through the API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_ui_spine import login

from helpers.ldap_server import BIND_DN, PEOPLE, LdapServer, start_ldap_server, which_missing
from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    missing = which_missing()
    if missing:
        pytest.fail(missing)
    server = start_ldap_server(tmp_path_factory.mktemp("slapd"))
    server.add_user("erin", "erin-Secret1", "Erin", "Engineer")
    server.add_group("wfo-developers", "erin")
    yield server
    server.stop()


def test_admin_tests_the_connection_and_a_wrong_bind_password_is_refused(
    page: Any, platform: Platform, directory: LdapServer
) -> None:
    login(page, platform, "admin", platform.admin_password)
    page.goto(platform.base_url + "/plugin/wfo/ldap")
    page.get_by_role("heading", name="LDAP configuration").wait_for()
    page.get_by_test_id("ldap-auth-type").select_option("ldap")
    page.get_by_test_id("ldap-server").fill(directory.ldaps_url)
    page.get_by_test_id("ldap-tls_ca_certificate").fill(directory.ca_pem)
    page.get_by_test_id("ldap-bind_user").fill(BIND_DN)
    page.get_by_test_id("ldap-bind-password").fill(directory.bind_password)
    page.get_by_test_id("ldap-search_base").fill(PEOPLE)
    page.get_by_test_id("ldap-mapping-add").click()
    page.get_by_test_id("ldap-mapping-group-0").fill(directory.group_dn("wfo-developers"))
    page.get_by_test_id("ldap-mapping-roles-0").fill("Developer")
    page.get_by_test_id("ldap-test-username").fill("erin")
    page.get_by_test_id("ldap-test").click()
    page.get_by_test_id("ldap-test-result").wait_for()
    assert page.get_by_test_id("ldap-test-outcome").inner_text() == "OK"
    assert page.get_by_test_id("ldap-test-group").first.inner_text() == directory.group_dn("wfo-developers")
    assert "Developer" in page.get_by_test_id("ldap-test-roles").inner_text()

    page.get_by_test_id("ldap-bind-password").fill("not-the-bind-password")
    page.get_by_test_id("ldap-save").click()
    assert "wrong bind password" in page.get_by_test_id("ldap-error").inner_text()
    assert platform.api("GET", "/ldap", expected=(200,)).json()["auth_type"] == "db"  # nothing saved


def test_the_page_is_for_admins_only(page: Any, platform: Platform) -> None:
    login(page, platform, "op_user", role_password("op_user"))
    page.goto(platform.base_url + "/plugin/wfo/ldap")
    page.get_by_test_id("wfo-forbidden").wait_for()
    assert page.get_by_test_id("wfo-nav-ldap").count() == 0
