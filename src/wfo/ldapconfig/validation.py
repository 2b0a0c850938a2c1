"""Checks of the LDAP settings before they are tested or saved: each refusal says which field and why."""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import urlsplit

from wfo.ldapconfig.errors import InvalidLdapSetting
from wfo.ldapconfig.schemas import MAX_MAPPINGS, LdapSettingsBase

# An attribute description: a name (RFC 4512 keystring) or a numeric OID.
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}|[0-9]+(\.[0-9]+)+")
_DOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*")


def _clean(field: str, value: str) -> str:
    if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
        raise InvalidLdapSetting(f"{field} must not contain control characters or line breaks")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidLdapSetting(f"{field} is not valid text") from None
    return value.strip()


def check_secret(field: str, value: str | None) -> str | None:
    """A password as python-ldap can send it: text without NUL or lone surrogates (kept as typed otherwise)."""
    if value is None:
        return None
    if "\x00" in value:
        raise InvalidLdapSetting(f"{field} must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidLdapSetting(f"{field} is not valid text") from None
    return value


def check_username(value: str) -> str:
    value = _clean("username", value)
    if "\x00" in value:
        raise InvalidLdapSetting("username must not contain a NUL character")
    return value


def check_server(url: str) -> str:
    url = _clean("server", url)
    if not url:
        raise InvalidLdapSetting("server is empty: give ldap://host:389 or ldaps://host:636")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidLdapSetting(f"server {url[:100]!r} cannot be read: {exc}") from None
    if parts.scheme.lower() not in ("ldap", "ldaps"):
        raise InvalidLdapSetting("server must start with ldap:// or ldaps://")
    if not parts.hostname or "@" in parts.netloc or " " in url:
        raise InvalidLdapSetting("server must name one host (ldap://host[:port]), without user or spaces")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidLdapSetting("server must be ldap://host[:port] only: the search base has its own field")
    del port
    return url


def check_dn(field: str, value: str, *, required: bool = False) -> str:
    value = _clean(field, value)
    if not value:
        if required:
            raise InvalidLdapSetting(f"{field} is empty")
        return value
    import ldap.dn

    try:
        ldap.dn.str2dn(value)
    except ldap.DECODING_ERROR:
        raise InvalidLdapSetting(
            f"{field} {value[:100]!r} is not a distinguished name (e.g. dc=example,dc=org)"
        ) from None
    return value


def check_attribute(field: str, value: str) -> str:
    value = _clean(field, value)
    if not _ATTRIBUTE.fullmatch(value):
        raise InvalidLdapSetting(f"{field} {value[:100]!r} is not an attribute name (e.g. uid, memberOf)")
    return value


def check_filter(value: str) -> str:
    value = _clean("search_filter", value)
    if not value:
        return value
    depth = 0
    for ch in value:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            break
    if not (value.startswith("(") and value.endswith(")")) or depth != 0:
        raise InvalidLdapSetting(
            "search_filter must be one LDAP filter in balanced parentheses, e.g. (objectClass=person)"
        )
    return value


def check_username_format(value: str) -> str:
    value = _clean("username_format", value)
    if value and (value.count("%s") != 1 or value.replace("%s", "").count("%")):
        raise InvalidLdapSetting(
            "username_format must contain %s exactly once and no other %, e.g. uid=%s,ou=people"
        )
    return value


def check_domain(value: str) -> str:
    value = _clean("append_domain", value)
    if value and not _DOMAIN.fullmatch(value):
        raise InvalidLdapSetting(f"append_domain {value[:100]!r} is not a domain name (e.g. example.org)")
    return value


def check_ca(pem: str) -> str:
    pem = pem.strip()
    if not pem:
        return ""
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(pem.encode("utf-8", "replace"))
    except ValueError:
        raise InvalidLdapSetting(
            "tls_ca_certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)"
        ) from None
    if not certificates:
        raise InvalidLdapSetting("tls_ca_certificate holds no certificate")
    return pem + "\n"


def check_roles(settings: LdapSettingsBase, known_roles: Collection[str]) -> dict[str, list[str]]:
    if len(settings.roles_mapping) > MAX_MAPPINGS:
        raise InvalidLdapSetting(f"roles_mapping has more than {MAX_MAPPINGS} groups")
    mapping: dict[str, list[str]] = {}
    for group, roles in settings.roles_mapping.items():
        dn = check_dn("a group of roles_mapping", group, required=True)
        unknown = sorted(set(roles) - set(known_roles))
        if unknown:
            raise InvalidLdapSetting(
                f"roles_mapping names roles that do not exist: {', '.join(unknown)[:300]}"
            )
        if not roles:
            raise InvalidLdapSetting(f"roles_mapping gives group {dn[:100]!r} no role")
        mapping[dn] = sorted(set(roles))
    if settings.user_registration_role not in known_roles:
        raise InvalidLdapSetting(
            f"user_registration_role {settings.user_registration_role[:64]!r} is not a role"
        )
    return mapping


def validated(settings: LdapSettingsBase, known_roles: Collection[str]) -> LdapSettingsBase:
    """The settings with every field checked and trimmed; the DB login needs only the role names to be right."""
    ldap_on = settings.auth_type == "ldap"
    server = check_server(settings.server) if ldap_on or settings.server.strip() else ""
    if settings.use_starttls and server.lower().startswith("ldaps://"):
        raise InvalidLdapSetting("use_starttls is for ldap:// servers: an ldaps:// connection is TLS already")
    bind_user = check_dn("bind_user", settings.bind_user)
    search_base = check_dn("search_base", settings.search_base, required=ldap_on and bool(bind_user))
    if ldap_on and not bind_user and not search_base and settings.roles_mapping:
        raise InvalidLdapSetting("roles_mapping needs search_base: groups are read from the user's entry")
    return settings.model_copy(
        update={
            "server": server,
            "bind_user": bind_user,
            "search_base": search_base,
            "search_filter": check_filter(settings.search_filter),
            "uid_field": check_attribute("uid_field", settings.uid_field),
            "group_field": check_attribute("group_field", settings.group_field),
            "firstname_field": check_attribute("firstname_field", settings.firstname_field),
            "lastname_field": check_attribute("lastname_field", settings.lastname_field),
            "email_field": check_attribute("email_field", settings.email_field),
            "append_domain": check_domain(settings.append_domain),
            "username_format": check_username_format(settings.username_format),
            "tls_ca_certificate": check_ca(settings.tls_ca_certificate),
            "roles_mapping": check_roles(settings, known_roles),
        }
    )
