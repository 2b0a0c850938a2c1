"""The connection test: connect (TLS as configured), bind as the bind user, find a user, read their groups.

Each step's failure becomes one sentence an admin can act on (unreachable server, TLS refused, wrong bind
password, no such user); nothing here raises for a directory's answer. Options are set on the connection
only, never on python-ldap's process-wide defaults that FAB's own login uses.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wfo.ldapconfig.schemas import LdapSettingsBase, LdapTestResult, LdapTestStep

TIMEOUT_SECONDS = 5.0
_TLS_WORDS = ("certificate", "tls", "ssl", "handshake", "x509")


@contextmanager
def _ca_file(pem: str, folder: Path | None) -> Iterator[str | None]:
    if not pem:
        yield None
        return
    with tempfile.NamedTemporaryFile("w", suffix=".pem", dir=folder, encoding="utf-8") as handle:
        handle.write(pem)
        handle.flush()
        yield handle.name


def _info(exc: Any) -> str:
    """The server's or libldap's own words for an LDAPError (never anything we sent)."""
    details = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    parts = [str(details.get(key, "")).strip() for key in ("desc", "info")]
    return "; ".join(p for p in parts if p)[:300] or type(exc).__name__


def _reachable(server: str) -> bool:
    """True when the server's port accepts a TCP connection (libldap reports a refused TLS handshake and an
    unreachable server alike, "Can't contact LDAP server")."""
    parts = urlsplit(server)
    port = parts.port or (636 if parts.scheme.lower() == "ldaps" else 389)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def _tls_failure(server: str, exc: Any) -> str:
    info = _info(exc)
    said = f" ({info})" if any(word in info.lower() for word in _TLS_WORDS) else ""
    return (
        f"TLS with {server} failed{said}: the server's certificate was not accepted; give the CA certificate "
        "that signed it, and check that it names this host"
    )


class _Test:
    def __init__(self) -> None:
        self.steps: list[LdapTestStep] = []

    def ok(self, name: Any, message: str) -> None:
        self.steps.append(LdapTestStep(name=name, ok=True, message=message))

    def fail(self, name: Any, message: str) -> LdapTestResult:
        self.steps.append(LdapTestStep(name=name, ok=False, message=message))
        return LdapTestResult(ok=False, message=message, steps=self.steps)


def _connect(settings: LdapSettingsBase, ca_file: str | None) -> Any:
    import ldap

    con = ldap.initialize(settings.server)
    con.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    con.set_option(ldap.OPT_REFERRALS, 0)
    con.set_option(ldap.OPT_NETWORK_TIMEOUT, TIMEOUT_SECONDS)
    con.set_option(ldap.OPT_TIMEOUT, TIMEOUT_SECONDS * 2)
    if ca_file:
        con.set_option(ldap.OPT_X_TLS_CACERTFILE, ca_file)
    demand = ldap.OPT_X_TLS_DEMAND if settings.tls_demand_certificate else ldap.OPT_X_TLS_ALLOW
    con.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, demand)
    con.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # the options above apply to this connection's TLS context
    return con


def run_test(
    settings: LdapSettingsBase,
    bind_password: str,
    username: str = "",
    user_password: str | None = None,
    temp_folder: Path | None = None,
) -> LdapTestResult:
    """Test `settings` (validated) against the directory; `username`: a user to find (optional)."""
    import ldap
    import ldap.filter

    test = _Test()
    server = settings.server
    ldaps = server.lower().startswith("ldaps://")
    with _ca_file(settings.tls_ca_certificate, temp_folder) as ca_file:
        try:
            con = _connect(settings, ca_file)
        except ldap.LDAPError as exc:  # a URL libldap reads otherwise than the check before
            return test.fail("connect", f"the server address {server} cannot be used: {_info(exc)}")
        try:
            if settings.use_starttls:
                try:
                    con.start_tls_s()
                except ldap.SERVER_DOWN as exc:
                    return test.fail("connect", f"cannot reach the LDAP server {server}: {_info(exc)}")
                except ldap.LDAPError as exc:
                    return test.fail("tls", "StartTLS: " + _tls_failure(server, exc))
                test.ok("tls", "StartTLS: the server's certificate was accepted")
            who = settings.bind_user
            try:
                if who:
                    con.simple_bind_s(who, bind_password)
                elif username and user_password:
                    pass  # direct bind: the user's own bind below is the test
                else:
                    con.simple_bind_s("", "")
            except ldap.INVALID_CREDENTIALS:
                return test.fail(
                    "bind",
                    f"the LDAP server refused the bind user {who}: wrong bind password (or unknown DN)",
                )
            except ldap.SERVER_DOWN as exc:
                if ldaps and _reachable(server):
                    return test.fail("tls", _tls_failure(server, exc))
                return test.fail("connect", f"cannot reach the LDAP server {server}: {_info(exc)}")
            except ldap.LDAPError as exc:
                return test.fail("bind", f"binding to {server} as {who or 'anonymous'} failed: {_info(exc)}")
            if ldaps:
                test.ok("tls", "LDAPS: the server's certificate was accepted")
            test.ok("connect", f"connected to {server}")
            if who:
                test.ok("bind", f"bound as {who}")
            if not username:
                return _check_base(con, settings, test)
            return _find_user(con, settings, test, username, user_password)
        finally:
            try:
                con.unbind_s()
            except ldap.LDAPError:
                pass


def _check_base(con: Any, settings: LdapSettingsBase, test: _Test) -> LdapTestResult:
    import ldap

    if not settings.search_base:
        return LdapTestResult(ok=True, message="connected (no search base to check)", steps=test.steps)
    try:
        con.search_s(settings.search_base, ldap.SCOPE_BASE, "(objectClass=*)", ["1.1"])
    except ldap.NO_SUCH_OBJECT:
        return test.fail("search", f"the search base {settings.search_base} does not exist on the server")
    except ldap.LDAPError as exc:
        return test.fail("search", f"reading the search base {settings.search_base} failed: {_info(exc)}")
    test.ok("search", f"the search base {settings.search_base} exists")
    return LdapTestResult(ok=True, message="connected, bound and found the search base", steps=test.steps)


def _search_filter(settings: LdapSettingsBase, username: str) -> str:
    import ldap.filter

    own = f"({settings.uid_field}={ldap.filter.escape_filter_chars(username)})"
    return f"(&{settings.search_filter}{own})" if settings.search_filter else own


def _find_user(
    con: Any, settings: LdapSettingsBase, test: _Test, username: str, user_password: str | None
) -> LdapTestResult:
    import ldap

    if not settings.bind_user and user_password:
        bind_name = username + (f"@{settings.append_domain}" if settings.append_domain else "")
        if settings.username_format:
            bind_name = settings.username_format % bind_name
        try:
            con.simple_bind_s(bind_name, user_password)
        except ldap.INVALID_CREDENTIALS:
            return test.fail("user_bind", f"the LDAP server refused {bind_name} with that password")
        except ldap.LDAPError as exc:
            return test.fail("user_bind", f"binding as {bind_name} failed: {_info(exc)}")
        test.ok("user_bind", f"bound as {bind_name}: the password is right")
    if not settings.search_base:
        return LdapTestResult(
            ok=True, message=f"{username} can log in (no search base: no groups)", steps=test.steps
        )
    fields = [settings.group_field, settings.firstname_field, settings.lastname_field, settings.email_field]
    try:
        found = con.search_s(
            settings.search_base, ldap.SCOPE_SUBTREE, _search_filter(settings, username), fields
        )
    except ldap.NO_SUCH_OBJECT:
        return test.fail("search", f"the search base {settings.search_base} does not exist on the server")
    except ldap.FILTER_ERROR:
        return test.fail("search", "the server refused the search filter")
    except ldap.LDAPError as exc:
        return test.fail("search", f"searching {settings.search_base} failed: {_info(exc)}")
    entries = [(dn, attrs) for dn, attrs in found if dn is not None and isinstance(attrs, dict)]
    if not entries:
        return test.fail("search", f"user {username} not found under {settings.search_base}")
    if len(entries) > 1:
        return test.fail("search", f"{len(entries)} entries match {username}: FAB refuses such a login")
    user_dn, attributes = entries[0]
    groups = [value.decode("utf-8", "replace") for value in attributes.get(settings.group_field, [])]
    test.ok("search", f"found {user_dn}")
    if settings.bind_user and user_password:
        try:
            con.simple_bind_s(user_dn, user_password)
        except ldap.INVALID_CREDENTIALS:
            return test.fail("user_bind", f"the LDAP server refused {user_dn} with that password")
        except ldap.LDAPError as exc:
            return test.fail("user_bind", f"binding as {user_dn} failed: {_info(exc)}")
        test.ok("user_bind", f"bound as {user_dn}: the password is right")
    roles = roles_for(settings, groups)
    shown = ", ".join(roles) if roles else "none"
    return LdapTestResult(
        ok=True,
        message=f"found {username}: {len(groups)} group(s), roles at login: {shown}",
        steps=test.steps,
        user_dn=user_dn,
        groups=groups,
        roles=roles,
    )


def roles_for(settings: LdapSettingsBase, groups: list[str]) -> list[str]:
    """The roles FAB gives at login (its `_ldap_calculate_user_roles`): mapped groups, plus the default role."""
    roles = {role for group in groups for role in settings.roles_mapping.get(group, [])}
    if settings.user_registration:
        roles.add(settings.user_registration_role)
    return sorted(roles)
