"""The LDAP connection test and saving, against a real slapd (tests/helpers/ldap_server.py): each failure is one
clear sentence, TLS works with the self-signed CA given on the page, and a save that fails its test changes
nothing unless forced."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from wfo import restarts
from wfo.ldapconfig import fab, service, store
from wfo.ldapconfig.errors import InvalidLdapSetting, LdapTestFailed, WebserverConfigNotLinked
from wfo.ldapconfig.schemas import LdapSettingsUpdate, LdapTestRequest

from helpers.ldap_server import BASE, BIND_DN, PEOPLE, LdapServer, start_ldap_server, which_missing

ROLES = {"Admin", "Op", "Developer", "User", "Viewer", "Public"}

if which_missing():
    pytest.fail(which_missing() or "", pytrace=False)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    server = start_ldap_server(tmp_path_factory.mktemp("slapd"))
    server.add_user("alice", "alice-Secret1", "Alice", "Admin")
    server.add_user("bob", "bob-Secret1", "Bob", "Builder")
    server.add_group("wfo-admins", "alice")
    server.add_group("wfo-developers", "alice", "bob")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fernet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from airflow.models.crypto import get_fernet

    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", Fernet.generate_key().decode())
    get_fernet.cache_clear()
    yield
    get_fernet.cache_clear()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "webserver_config.py").write_text(f"{fab.HOOK} as _wfo\nglobals().update(_wfo())\n")
    return tmp_path


def _settings(directory: LdapServer, **changes: object) -> LdapSettingsUpdate:
    values: dict[str, object] = {
        "auth_type": "ldap",
        "server": directory.url,
        "bind_user": BIND_DN,
        "bind_password": directory.bind_password,
        "search_base": PEOPLE,
        "search_filter": "(objectClass=inetOrgPerson)",
        "roles_mapping": {
            directory.group_dn("wfo-admins"): ["Admin"],
            directory.group_dn("wfo-developers"): ["Developer"],
        },
        "user_registration_role": "Viewer",
    }
    values.update(changes)
    return LdapSettingsUpdate.model_validate(values)


def _test(home: Path, settings: LdapSettingsUpdate, username: str = "alice", password: str | None = None):  # type: ignore[no-untyped-def]
    return service.test_settings(
        home, LdapTestRequest(settings=settings, username=username, password=password), ROLES
    )


def test_the_test_finds_the_user_their_groups_and_roles(directory: LdapServer, home: Path) -> None:
    result = _test(home, _settings(directory), password="alice-Secret1")
    assert result.ok, result
    assert result.user_dn == directory.user_dn("alice")
    assert set(result.groups) == {directory.group_dn("wfo-admins"), directory.group_dn("wfo-developers")}
    assert result.roles == ["Admin", "Developer", "Viewer"]
    assert [s.name for s in result.steps] == ["connect", "bind", "search", "user_bind"]
    bob = _test(home, _settings(directory), "bob")
    assert bob.ok and bob.roles == ["Developer", "Viewer"], bob


def test_a_wrong_bind_password_is_named_and_not_echoed(directory: LdapServer, home: Path) -> None:
    wrong = "not-the-bind-password-" + "x" * 8
    result = _test(home, _settings(directory, bind_password=wrong))
    assert not result.ok
    assert "wrong bind password" in result.message and BIND_DN in result.message
    assert result.steps[-1].name == "bind"
    assert wrong not in result.model_dump_json()


def test_an_unreachable_server_is_named(directory: LdapServer, home: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _test(home, _settings(directory, server=f"ldap://127.0.0.1:{port}"))
    assert not result.ok and result.steps[-1].name == "connect"
    assert f"cannot reach the LDAP server ldap://127.0.0.1:{port}" in result.message


def test_a_missing_user_and_a_missing_search_base_are_named(directory: LdapServer, home: Path) -> None:
    result = _test(home, _settings(directory), "nobody")
    assert not result.ok and result.message == f"user nobody not found under {PEOPLE}"
    result = _test(home, _settings(directory, search_base=f"ou=nowhere,{BASE}"), "alice")
    assert not result.ok and "does not exist" in result.message
    result = _test(home, _settings(directory), "alice", password="wrong-user-password")
    assert not result.ok and result.steps[-1].name == "user_bind" and "refused" in result.message


@pytest.mark.parametrize("mode", ["ldaps", "starttls"])
def test_tls_works_with_the_self_signed_ca_and_fails_clearly_without(
    directory: LdapServer, home: Path, mode: str
) -> None:
    tls = {"server": directory.ldaps_url} if mode == "ldaps" else {"use_starttls": True}
    trusted = _test(home, _settings(directory, tls_ca_certificate=directory.ca_pem, **tls))
    assert trusted.ok, trusted
    assert any(s.name == "tls" and s.ok for s in trusted.steps)
    untrusted = _test(home, _settings(directory, **tls))
    assert not untrusted.ok and untrusted.steps[-1].name == "tls", untrusted
    assert "certificate" in untrusted.message.lower(), untrusted.message
    # Not demanding a verified certificate (AUTH_LDAP_ALLOW_SELF_SIGNED) connects without the CA.
    assert _test(home, _settings(directory, tls_demand_certificate=False, **tls)).ok


def test_invalid_settings_are_refused_with_the_field(directory: LdapServer, home: Path) -> None:
    cases = {
        "server": {"server": "http://ldap.example.org"},
        "bind_user": {"bind_user": "not a dn"},
        "uid_field": {"uid_field": "uid)(cn=*"},
        "search_filter": {"search_filter": "(objectClass=person"},
        "roles_mapping": {"roles_mapping": {directory.group_dn("wfo-admins"): ["Superuser"]}},
        "username_format": {"username_format": "uid=%s,%s"},
        "tls_ca_certificate": {
            "tls_ca_certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
        },
        "use_starttls": {"server": directory.ldaps_url, "use_starttls": True},
    }
    for field, change in cases.items():
        with pytest.raises(InvalidLdapSetting) as refused:
            service.save_settings(home, _settings(directory, **change), ROLES, "admin")
        assert field.split("_")[0] in str(refused.value) or field in str(refused.value), (
            field,
            refused.value,
        )
    assert not store.settings_path(home).exists()


def test_a_failing_save_is_refused_unless_forced(directory: LdapServer, home: Path) -> None:
    wrong = _settings(directory, bind_password="wrong-bind-password-123")
    with pytest.raises(LdapTestFailed) as refused:
        service.save_settings(home, wrong, ROLES, "admin")
    assert "wrong bind password" in str(refused.value) and "force" in str(refused.value)
    assert not store.settings_path(home).exists() and not restarts.request_folder(home).exists()

    forced, details = service.save_settings(home, wrong.model_copy(update={"force": True}), ROLES, "admin")
    assert forced.api_server_restart and details["forced"] is True
    assert "wrong-bind-password-123" not in json.dumps(details)


def test_saving_writes_a_private_file_with_the_password_encrypted_and_asks_for_a_restart(
    directory: LdapServer, home: Path
) -> None:
    settings = _settings(directory, server=directory.ldaps_url, tls_ca_certificate=directory.ca_pem)
    result, details = service.save_settings(home, settings, ROLES, "admin")
    assert result.api_server_restart and result.settings.bind_password_set
    assert "bind_password" not in result.settings.model_dump()
    assert directory.bind_password not in result.model_dump_json() + json.dumps(details)
    path = store.settings_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.ca_path(home).stat().st_mode) == 0o600
    assert directory.bind_password not in path.read_text()
    assert restarts.take_requests(home, {"api-server"}) == ["api-server"]

    values = fab.fab_settings(home)
    assert values["AUTH_TYPE"] == fab.AUTH_LDAP
    assert values["AUTH_LDAP_BIND_PASSWORD"] == directory.bind_password
    assert values["AUTH_LDAP_TLS_CACERTFILE"] == str(store.ca_path(home))
    assert values["AUTH_ROLES_MAPPING"][directory.group_dn("wfo-admins")] == ["Admin"]
    assert values["SECURITY_MANAGER_CLASS"].__name__ == "LdapThenLocalSecurityManager"

    # The same settings again (password not re-sent): nothing FAB reads changed, no restart.
    again, _ = service.save_settings(
        home, settings.model_copy(update={"bind_password": None}), ROLES, "admin"
    )
    assert not again.api_server_restart and again.settings.bind_password_set
    assert restarts.take_requests(home, {"api-server"}) == []
    # Back to the DB login: FAB's settings change (restart), and webserver_config.py's own AUTH_DB applies.
    back, _ = service.save_settings(home, LdapSettingsUpdate(auth_type="db"), ROLES, "admin")
    assert back.api_server_restart and fab.fab_settings(home) == {}


def test_an_edited_webserver_config_is_named_instead_of_saving_in_vain(
    directory: LdapServer, home: Path
) -> None:
    (home / "webserver_config.py").write_text("AUTH_TYPE = 1\n")
    with pytest.raises(WebserverConfigNotLinked) as refused:
        service.save_settings(home, _settings(directory), ROLES, "admin")
    assert "webserver_config.py" in str(refused.value)
    assert service.get_settings(home).webserver_config_linked is False


def test_an_unreadable_file_leaves_the_db_login(home: Path) -> None:
    store.settings_path(home).write_text("{not json")
    assert fab.fab_settings(home) == {}


def test_the_stored_password_goes_only_to_the_server_it_was_saved_for(
    directory: LdapServer, home: Path
) -> None:
    service.save_settings(home, _settings(directory), ROLES, "admin")
    same = _settings(directory, bind_password=None)
    assert _test(home, same).ok  # the stored password is used for the saved server
    elsewhere = _settings(directory, bind_password=None, server="ldap://attacker.example.org:389")
    with pytest.raises(InvalidLdapSetting) as refused:
        _test(home, elsewhere)
    assert "bind password again" in str(refused.value)
    with pytest.raises(InvalidLdapSetting):
        service.save_settings(home, elsewhere.model_copy(update={"force": True}), ROLES, "admin")


def test_hostile_text_is_refused_not_a_server_error(directory: LdapServer, home: Path) -> None:
    # (A lone surrogate never gets this far: the request's model refuses it, a 422.)
    for change in ({"bind_password": "a\x00b"}, {"server": "ldap://h\x00st"}):
        with pytest.raises(InvalidLdapSetting):
            _test(home, _settings(directory, **change))
    for username in ("al\x00ice", "al\nice"):
        with pytest.raises(InvalidLdapSetting):
            _test(home, _settings(directory), username)
    # A host name nobody can resolve is an answer, not an error.
    result = _test(home, _settings(directory, server="ldap://no-such-host.invalid"))
    assert not result.ok and "cannot reach" in result.message
