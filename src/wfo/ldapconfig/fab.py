"""The FAB settings of the saved LDAP configuration, for the api-server's `webserver_config.py`:

    from wfo.ldapconfig.fab import fab_settings
    globals().update(fab_settings())

With the DB login chosen (or nothing saved) it returns nothing, and webserver_config.py's own AUTH_DB stays.
A file that cannot be read leaves the DB login in place too (logged without its content): a broken setting
must not keep the api-server, and with it the local admin, from starting.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from wfo.errors import WfoError
from wfo.ldapconfig.schemas import LdapSettingsBase
from wfo.ldapconfig.store import StoredLdap, ca_path, read_stored

log = logging.getLogger(__name__)

AUTH_DB, AUTH_LDAP = 1, 2  # flask_appbuilder.const (not imported: this module is read by the tests too)
# The security manager that adds the local-password fallback to FAB's LDAP login (wfo.ldapconfig.security).
SECURITY_MANAGER = "wfo.ldapconfig.security.LdapThenLocalSecurityManager"
# What a generated webserver_config.py contains to load these settings (checked before LDAP is saved).
HOOK = "from wfo.ldapconfig.fab import fab_settings"


def build(settings: LdapSettingsBase, bind_password: str, ca_file: Path | None) -> dict[str, Any]:
    """FAB's configuration keys for `settings` (LDAP login)."""
    values: dict[str, Any] = {
        "AUTH_TYPE": AUTH_LDAP,
        "AUTH_LDAP_SERVER": settings.server,
        "AUTH_LDAP_USE_TLS": settings.use_starttls,
        "AUTH_LDAP_TLS_DEMAND": settings.tls_demand_certificate,
        "AUTH_LDAP_ALLOW_SELF_SIGNED": not settings.tls_demand_certificate,
        "AUTH_LDAP_TLS_CACERTFILE": str(ca_file) if ca_file is not None else "",
        "AUTH_LDAP_BIND_USER": settings.bind_user,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_SEARCH": settings.search_base,
        "AUTH_LDAP_SEARCH_FILTER": settings.search_filter,
        "AUTH_LDAP_UID_FIELD": settings.uid_field,
        "AUTH_LDAP_GROUP_FIELD": settings.group_field,
        "AUTH_LDAP_FIRSTNAME_FIELD": settings.firstname_field,
        "AUTH_LDAP_LASTNAME_FIELD": settings.lastname_field,
        "AUTH_LDAP_EMAIL_FIELD": settings.email_field,
        "AUTH_LDAP_APPEND_DOMAIN": settings.append_domain,
        "AUTH_LDAP_USERNAME_FORMAT": settings.username_format,
        "AUTH_ROLES_MAPPING": {group: list(roles) for group, roles in settings.roles_mapping.items()},
        "AUTH_ROLES_SYNC_AT_LOGIN": settings.roles_sync_at_login,
        "AUTH_USER_REGISTRATION": settings.user_registration,
        "AUTH_USER_REGISTRATION_ROLE": settings.user_registration_role,
    }
    return values


def settings_for(stored: StoredLdap, home: Path) -> dict[str, Any]:
    if stored.settings.auth_type != "ldap":
        return {}
    ca_file = ca_path(home) if stored.settings.tls_ca_certificate else None
    return build(stored.settings, stored.bind_password(), ca_file)


def fab_settings(home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """FAB's settings for the instance at `home` (default: $WFO_HOME, else $AIRFLOW_HOME)."""
    folder = Path(home or os.environ.get("WFO_HOME") or os.environ.get("AIRFLOW_HOME") or ".")
    try:
        values = settings_for(read_stored(folder), folder)
    except WfoError as exc:
        log.error("wfo: LDAP login settings not applied, the DB login stays: %s", exc)
        return {}
    if values:
        from importlib import import_module

        module, _, name = SECURITY_MANAGER.rpartition(".")
        values["SECURITY_MANAGER_CLASS"] = getattr(import_module(module), name)
    return values
