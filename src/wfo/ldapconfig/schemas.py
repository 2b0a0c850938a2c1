"""Request and response models of the LDAP configuration; each field names the FAB setting it becomes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AuthType = Literal["db", "ldap"]
MAX_TEXT = 1024
MAX_PEM = 64 * 1024
MAX_MAPPINGS = 200


class LdapSettingsBase(BaseModel):
    """What the page shows and saves (the bind password apart: it is write-only)."""

    model_config = ConfigDict(extra="forbid")

    auth_type: AuthType = Field(
        default="db",
        description="`db`: wfo's own users only (AUTH_DB); `ldap`: LDAP first, then local passwords",
    )
    server: str = Field(
        default="", max_length=MAX_TEXT, description="AUTH_LDAP_SERVER: ldap://host:389 or ldaps://host:636"
    )
    use_starttls: bool = Field(
        default=False, description="AUTH_LDAP_USE_TLS: StartTLS on an ldap:// connection"
    )
    tls_demand_certificate: bool = Field(
        default=True, description="AUTH_LDAP_TLS_DEMAND: refuse a server certificate that does not verify"
    )
    tls_ca_certificate: str = Field(
        default="",
        max_length=MAX_PEM,
        description="AUTH_LDAP_TLS_CACERTFILE: the CA certificate(s), PEM; empty: the system's",
    )
    bind_user: str = Field(
        default="", max_length=MAX_TEXT, description="AUTH_LDAP_BIND_USER: DN of the search account"
    )
    search_base: str = Field(
        default="", max_length=MAX_TEXT, description="AUTH_LDAP_SEARCH: where users are searched"
    )
    search_filter: str = Field(
        default="",
        max_length=MAX_TEXT,
        description="AUTH_LDAP_SEARCH_FILTER, e.g. (objectClass=inetOrgPerson)",
    )
    uid_field: str = Field(
        default="uid", max_length=128, description="AUTH_LDAP_UID_FIELD: the login name's attribute"
    )
    group_field: str = Field(
        default="memberOf", max_length=128, description="AUTH_LDAP_GROUP_FIELD: the user's groups"
    )
    firstname_field: str = Field(default="givenName", max_length=128, description="AUTH_LDAP_FIRSTNAME_FIELD")
    lastname_field: str = Field(default="sn", max_length=128, description="AUTH_LDAP_LASTNAME_FIELD")
    email_field: str = Field(default="mail", max_length=128, description="AUTH_LDAP_EMAIL_FIELD")
    append_domain: str = Field(
        default="",
        max_length=255,
        description="AUTH_LDAP_APPEND_DOMAIN (direct bind, no bind user): user@domain",
    )
    username_format: str = Field(
        default="",
        max_length=MAX_TEXT,
        description="AUTH_LDAP_USERNAME_FORMAT (direct bind), e.g. uid=%s,ou=people,dc=x",
    )
    roles_mapping: dict[str, list[str]] = Field(
        default_factory=dict,
        description="AUTH_ROLES_MAPPING: group DN (as the server returns it) -> role names",
    )
    roles_sync_at_login: bool = Field(
        default=True, description="AUTH_ROLES_SYNC_AT_LOGIN: roles recomputed from the groups at every login"
    )
    user_registration: bool = Field(
        default=True,
        description="AUTH_USER_REGISTRATION: an LDAP user's account is created at their first login",
    )
    user_registration_role: str = Field(
        default="Public",
        max_length=64,
        description="AUTH_USER_REGISTRATION_ROLE: the role every LDAP user gets",
    )


class LdapSettingsUpdate(LdapSettingsBase):
    bind_password: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="AUTH_LDAP_BIND_PASSWORD; write-only: null keeps the stored one",
    )
    force: bool = Field(
        default=False, description="save LDAP settings even though their connection test fails"
    )


class LdapSettingsPublic(LdapSettingsBase):
    bind_password_set: bool = Field(description="a bind password is stored (it is never returned)")
    webserver_config_linked: bool = Field(
        description="the api-server's webserver_config.py loads these settings (false: it was edited by hand)"
    )
    updated_by: str | None = None
    updated_at: datetime | None = None


class LdapSaveResult(BaseModel):
    settings: LdapSettingsPublic
    api_server_restart: bool = Field(
        description="the api-server restarts to apply them (the others keep running)"
    )


class LdapTestRequest(BaseModel):
    """The form's settings (not saved) and, optionally, a user to look up."""

    model_config = ConfigDict(extra="forbid")

    settings: LdapSettingsUpdate
    username: str = Field(default="", max_length=256, description="a login name to find (optional)")
    password: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="that user's password: checked when given (needed for direct bind)",
    )


class LdapTestStep(BaseModel):
    name: Literal["connect", "tls", "bind", "search", "user_bind"]
    ok: bool
    message: str


class LdapTestResult(BaseModel):
    ok: bool
    message: str = Field(description="the outcome in one sentence")
    steps: list[LdapTestStep]
    user_dn: str | None = None
    groups: list[str] = Field(
        default_factory=list, description="the user's groups, as the mapping must name them"
    )
    roles: list[str] = Field(default_factory=list, description="the roles the user would get at login")
