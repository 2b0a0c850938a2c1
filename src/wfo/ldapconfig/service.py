"""Read, test and save the LDAP login settings; a save that changes what FAB reads restarts the api-server.

Lockout rule (docs/ldap.md): LDAP settings whose connection test fails are refused unless `force`; and
under LDAP the login page still accepts local passwords after LDAP (wfo.ldapconfig.security), so the local
admin keeps working whatever the directory does.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.ldapconfig import fab, probe, validation
from wfo.ldapconfig.errors import InvalidLdapSetting, LdapTestFailed, WebserverConfigNotLinked
from wfo.ldapconfig.schemas import (
    LdapSaveResult,
    LdapSettingsBase,
    LdapSettingsPublic,
    LdapSettingsUpdate,
    LdapTestRequest,
    LdapTestResult,
)
from wfo.ldapconfig.store import StoredLdap, password_token, read_stored, write_stored
from wfo.restarts import request_restart

API_SERVER = "api-server"
WEBSERVER_CONFIG = "webserver_config.py"


def webserver_config_linked(home: Path) -> bool:
    try:
        return fab.HOOK in (home / WEBSERVER_CONFIG).read_text(encoding="utf-8")
    except OSError:
        return False


def public(stored: StoredLdap, home: Path) -> LdapSettingsPublic:
    return LdapSettingsPublic(
        **stored.settings.model_dump(),
        bind_password_set=stored.password_set,
        webserver_config_linked=webserver_config_linked(home),
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
    )


def known_roles(session: Session) -> set[str]:
    """The role names FAB knows (a mapping to a role that does not exist would be ignored at login)."""
    from airflow.providers.fab.auth_manager.models import Role

    return set(session.scalars(select(Role.name)))


def _applied(stored: StoredLdap) -> tuple[LdapSettingsBase, str] | None:
    """What the api-server's FAB reads from `stored`: nothing for the DB login (webserver_config.py's own)."""
    return (stored.settings, stored.bind_password()) if stored.settings.auth_type == "ldap" else None


def get_settings(home: Path) -> LdapSettingsPublic:
    return public(read_stored(home), home)


def _base(update: LdapSettingsUpdate) -> LdapSettingsBase:
    return LdapSettingsBase(**update.model_dump(exclude={"bind_password", "force"}))


def _password(
    update: LdapSettingsUpdate, stored: StoredLdap, settings: LdapSettingsBase, *, drop_if_moved: bool = False
) -> str:
    """The bind password the update means: the given one, or the stored one when it gives none.

    The stored one goes only to the server and bind user it was saved for: otherwise a changed server name
    would send it to any host (the page never shows it, so it must not leak through a test either).
    """
    if update.bind_password is not None:
        return update.bind_password
    if not stored.password_set:
        return ""
    same = (settings.server, settings.bind_user) == (stored.settings.server, stored.settings.bind_user)
    if not same and drop_if_moved:
        return ""  # the DB login saved with another server: the old password is forgotten, not carried along
    if not same:
        raise InvalidLdapSetting(
            "give the bind password again: the stored one is only sent to the server and bind user it was "
            "saved for"
        )
    return stored.bind_password()


def test_settings(home: Path, request: LdapTestRequest, known_roles: Collection[str]) -> LdapTestResult:
    """Test the form's settings (not saved); a failed test is an answer (ok false), not an error."""
    # Whatever login type the form has chosen, its LDAP part is what is tested.
    settings = validation.validated(
        _base(request.settings).model_copy(update={"auth_type": "ldap"}), known_roles
    )
    stored = read_stored(home)
    username = validation.check_username(request.username)
    user_password = validation.check_secret("password", request.password)
    validation.check_secret("bind_password", request.settings.bind_password)
    password = _password(request.settings, stored, settings)
    return probe.run_test(settings, password, username, user_password, home)


def save_settings(
    home: Path, update: LdapSettingsUpdate, known_roles: Collection[str], username: str
) -> tuple[LdapSaveResult, dict[str, Any]]:
    """Validate, test (LDAP, unless forced), write, and ask for an api-server restart when FAB's settings
    changed. Returns the result and the audit details (no secret in them)."""
    settings = validation.validated(_base(update), known_roles)
    validation.check_secret("bind_password", update.bind_password)
    stored = read_stored(home)
    password = _password(update, stored, settings, drop_if_moved=settings.auth_type == "db")
    details: dict[str, Any] = {
        "auth_type": settings.auth_type,
        "server": settings.server,
        "forced": update.force,
    }
    if settings.auth_type == "ldap":
        if not webserver_config_linked(home):
            raise WebserverConfigNotLinked(
                f"{home / WEBSERVER_CONFIG} was edited and no longer loads wfo's login settings: add the lines "
                f"'{fab.HOOK} as _wfo_fab_settings' and 'globals().update(_wfo_fab_settings())' (docs/ldap.md)"
            )
        result = probe.run_test(settings, password, temp_folder=home)
        details["test"] = result.message
        if not result.ok and not update.force:
            raise LdapTestFailed(
                f"not saved: the connection test failed: {result.message} (fix the settings, or save with force)",
                extra={"test": result.model_dump(mode="json")},
            )
    new = StoredLdap(
        settings,
        password_token(password) if password != stored.bind_password() else stored.password_token,
        username,
        datetime.now(UTC),
    )
    if update.bind_password is not None and update.bind_password != stored.bind_password():
        details["bind_password"] = "changed"  # that it changed, never what it is
    restart = _applied(new) != _applied(stored)
    write_stored(home, new)
    if restart:
        request_restart(home, API_SERVER)
    details["api_server_restart"] = restart
    return LdapSaveResult(settings=public(new, home), api_server_restart=restart), details


def test(session: Session, home: Path, request: LdapTestRequest) -> LdapTestResult:
    """`test_settings` with the roles FAB knows."""
    return test_settings(home, request, known_roles(session))


def save(
    session: Session, home: Path, update: LdapSettingsUpdate, username: str
) -> tuple[LdapSaveResult, dict[str, Any]]:
    """`save_settings` with the roles FAB knows."""
    return save_settings(home, update, known_roles(session), username)
