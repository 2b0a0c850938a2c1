"""Domain errors of the LDAP configuration (HTTP status from wfo.errors)."""

from __future__ import annotations

from wfo.errors import Conflict, InvalidInput, ServerFault, WfoError


class LdapConfigError(WfoError):
    """Base of the LDAP configuration's errors."""


class InvalidLdapSetting(LdapConfigError, InvalidInput):
    """A setting is not acceptable (a URL, a DN, an attribute name, an unknown role); the message says which."""


class LdapTestFailed(LdapConfigError, InvalidInput):
    """Saving LDAP settings whose connection test failed, without `force`: nothing was saved."""


class WebserverConfigNotLinked(LdapConfigError, Conflict):
    """`webserver_config.py` was edited and no longer loads wfo's login settings: saving would change nothing."""


class StoredSettingsUnreadable(LdapConfigError, ServerFault):
    """The stored settings file cannot be read or its bind password decrypted (a changed Fernet key)."""
