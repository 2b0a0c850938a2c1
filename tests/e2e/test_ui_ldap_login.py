"""LDAP login on the session platform, against a real slapd (tests/helpers/ldap_server.py).

The Admin saves LDAP settings (LDAPS with the directory's self-signed CA, a group mapped to Op) through the API;
`wfo up` restarts the api-server alone. Then, on the real login page: an LDAP user gets the role of their group,
loses it at the next login once removed from the group, the local admin still logs in, also with the directory
down; and the bind password (a canary) shows up in no answer, audit event, log file or process listing. The
platform is put back on the DB login at the end (its api-server restarted once more).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from test_ui_spine import login

from helpers.ldap_server import BIND_DN, PEOPLE, LdapServer, start_ldap_server, which_missing
from helpers.platform_runner import Platform, instance_commands

pytestmark = pytest.mark.e2e

CANARY = "canary-ldap-bind-" + uuid.uuid4().hex
LDAP_USER, LDAP_PASSWORD = "carol", "carol-" + uuid.uuid4().hex[:12]


def _api_server_pid(platform: Platform) -> int | None:
    try:
        state = json.loads((platform.home / "run" / "wfo.json").read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("components", {}).get("api-server")
    return int(pid) if pid else None


def _component_pids(platform: Platform) -> dict[str, int]:
    state = json.loads((platform.home / "run" / "wfo.json").read_text())
    return {name: int(pid) for name, pid in state["components"].items() if pid}


def _wait_for_restart(platform: Platform, before: int | None, timeout: float = 300.0) -> None:
    """Until `wfo up` has started a new api-server and it answers (a start takes a while on 2 cores)."""
    deadline = time.monotonic() + timeout
    while _api_server_pid(platform) in (before, None):
        assert time.monotonic() < deadline, "the api-server was not restarted"
        time.sleep(0.2)
    while not _answers(platform):
        assert time.monotonic() < deadline, (
            f"the restarted api-server did not answer:\n{platform.output()[-2000:]}"
        )
        time.sleep(0.5)


def _api_server_stop(platform: Platform) -> str:
    """What `wfo up` said of the api-server's end at its last restart."""
    said = re.findall(r"wfo: 'api-server' (.*)", platform.output())
    assert said, platform.output()[-2000:]
    return said[-1]


def _answers(platform: Platform) -> bool:
    try:
        return platform.request("GET", "/api/v2/monitor/health").status == 200
    except OSError:  # not listening yet
        return False


def _save(platform: Platform, body: dict[str, Any]) -> dict[str, Any]:
    before = _api_server_pid(platform)
    result: dict[str, Any] = platform.api("PUT", "/ldap", json_body=body, expected=(200,)).json()
    if result["api_server_restart"]:
        _wait_for_restart(platform, before)
    return result


def _settings(directory: LdapServer, **changes: Any) -> dict[str, Any]:
    settings = {
        "auth_type": "ldap",
        "server": directory.ldaps_url,
        "tls_ca_certificate": directory.ca_pem,
        "bind_user": BIND_DN,
        "bind_password": CANARY,
        "search_base": PEOPLE,
        "search_filter": "(objectClass=inetOrgPerson)",
        "roles_mapping": {directory.group_dn("wfo-ops"): ["Op"]},
        "roles_sync_at_login": True,
        "user_registration": True,
        "user_registration_role": "Viewer",
    }
    settings.update(changes)
    return settings


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    missing = which_missing()
    if missing:
        pytest.fail(missing)
    server = start_ldap_server(tmp_path_factory.mktemp("slapd"))
    # The bind account's password is the canary (the directory sets it, wfo only stores it).
    con = server.admin()
    import ldap

    con.modify_s(BIND_DN, [(ldap.MOD_REPLACE, "userPassword", [CANARY.encode()])])
    con.unbind_s()
    server.bind_password = CANARY
    server.add_user(LDAP_USER, LDAP_PASSWORD, "Carol", "Operator")
    server.add_group("wfo-ops", LDAP_USER)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ldap_platform(platform: Platform, directory: LdapServer) -> Iterator[Platform]:
    # A wrong bind password is named by the test and refuses the save; nothing changes, nothing restarts.
    wrong = _settings(directory, bind_password="not-the-bind-password")
    tested = platform.api(
        "POST", "/ldap/test", json_body={"settings": wrong, "username": LDAP_USER}, expected=(200,)
    )
    assert tested.json()["ok"] is False and "wrong bind password" in tested.json()["message"]
    refused = platform.api("PUT", "/ldap", json_body=wrong)
    assert refused.status == 422 and "wrong bind password" in refused.json()["detail"], refused.body
    assert platform.api("GET", "/ldap", expected=(200,)).json()["auth_type"] == "db"

    good = platform.api(
        "POST", "/ldap/test", json_body={"settings": _settings(directory), "username": LDAP_USER}
    )
    assert good.json()["ok"] and good.json()["roles"] == ["Op", "Viewer"], good.body
    before = _component_pids(platform)
    saved = _save(platform, _settings(directory))
    assert saved["api_server_restart"] and saved["settings"]["bind_password_set"]
    after = _component_pids(platform)
    # Only the api-server was restarted; every other component kept its process.
    assert after.pop("api-server") != before.pop("api-server")
    assert after == before
    # The old api-server ended by itself after wfo's SIGTERM, as `wfo up` says: it was not left to the
    # SIGKILL at the end of the grace period (15 s). Before wfo froze its heap for the exit, Python's
    # teardown alone took 4.5 s idle and over 15 s on a loaded machine (then killed).
    assert re.fullmatch(r"stopped by itself \d+\.\d s after SIGTERM", _api_server_stop(platform))
    try:
        yield platform
    finally:
        _save(platform, {"auth_type": "db"})


def _roles(page: Any, platform: Platform) -> list[str]:
    """The logged-in user's roles, asked with the page's own session cookie."""
    answer = page.request.get(platform.base_url + "/wfo/api/v1/me")
    assert answer.status == 200, answer.text()
    return sorted(answer.json()["roles"])


def _new_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    return context.new_page()


def test_an_ldap_user_logs_in_with_the_role_of_their_group(page: Any, ldap_platform: Platform) -> None:
    login(page, ldap_platform, LDAP_USER, LDAP_PASSWORD)
    assert _roles(page, ldap_platform) == ["Op", "Viewer"]


def test_removed_from_the_group_the_user_loses_the_role_at_the_next_login(
    browser: Any, ldap_platform: Platform, directory: LdapServer
) -> None:
    directory.set_member("wfo-ops", LDAP_USER, False)
    page = _new_page(browser)
    try:
        login(page, ldap_platform, LDAP_USER, LDAP_PASSWORD)
        # The login itself rewrote the account's roles (AUTH_ROLES_SYNC_AT_LOGIN): FAB's user API reads them.
        account = ldap_platform.request(
            "GET", f"/auth/fab/v1/users/{LDAP_USER}", token=ldap_platform.token(), expected=(200,)
        ).json()
        assert sorted(role["name"] for role in account["roles"]) == ["Viewer"]
        # Requests see it once FAB's auth manager drops its cached copy of the user ([fab] cache_ttl, 30 s).
        deadline = time.monotonic() + 90
        while _roles(page, ldap_platform) != ["Viewer"]:
            assert time.monotonic() < deadline, _roles(page, ldap_platform)
            time.sleep(1)
    finally:
        page.context.close()
        directory.set_member("wfo-ops", LDAP_USER, True)


def test_the_local_admin_still_logs_in_on_the_login_page(page: Any, ldap_platform: Platform) -> None:
    login(page, ldap_platform, "admin", ldap_platform.admin_password)
    assert _roles(page, ldap_platform) == ["Admin"]


def test_the_bind_password_appears_in_no_answer_audit_event_log_or_process(ldap_platform: Platform) -> None:
    platform = ldap_platform
    seen = platform.api("GET", "/ldap", expected=(200,))
    assert CANARY.encode() not in seen.body and seen.json()["bind_password_set"] is True
    events = platform.api("GET", "/audit/events?action=ldap_config.*&limit=500", expected=(200,))
    assert b"ldap_config.update" in events.body and CANARY.encode() not in events.body
    leaks = [
        str(path)
        for path in platform.home.rglob("*")
        if path.is_file() and not path.is_socket() and CANARY.encode() in path.read_bytes()
    ]
    leaks += [
        str(path)
        for path in Path(str(platform.output_path)).parent.glob("*-up.log")
        if CANARY in path.read_text(errors="replace")
    ]
    assert not leaks, leaks
    for pid, command in instance_commands(platform.home).items():
        assert CANARY not in command, command
        try:
            environment = psutil.Process(pid).environ()
        except psutil.Error:
            continue
        assert not any(CANARY in value for value in environment.values()), pid


def test_with_the_directory_down_the_local_admin_still_logs_in(
    browser: Any, ldap_platform: Platform, directory: LdapServer
) -> None:
    directory.stop()
    page = _new_page(browser)
    try:
        # The LDAP user cannot: the login page says so and stays.
        page.goto(ldap_platform.base_url + "/")
        page.wait_for_url(re.compile(r".*/auth/login/.*"))
        page.fill("input[name=username]", LDAP_USER)
        page.fill("input[name=password]", LDAP_PASSWORD)
        page.click("[type=submit]")
        page.get_by_text(re.compile("Invalid login", re.IGNORECASE)).wait_for()
        login(page, ldap_platform, "admin", ldap_platform.admin_password)
        assert _roles(page, ldap_platform) == ["Admin"]
    finally:
        page.context.close()
