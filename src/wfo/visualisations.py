"""The BI dashboard link the manual calls "Visualisations": one validated http(s) URL."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from wfo.platform_settings import get_setting, put_setting, setting_value

KEY = "visualisations.dashboard_url"
MAX_URL_LENGTH = 2048


class InvalidDashboardUrl(ValueError):
    """The dashboard URL is not an absolute http(s) URL."""


@dataclass(frozen=True)
class DashboardLink:
    url: str | None
    updated_by: str | None
    updated_at: datetime | None


def validate_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        raise InvalidDashboardUrl("the dashboard URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidDashboardUrl(f"the dashboard URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(ch) < 32 or ch.isspace() for ch in url):
        raise InvalidDashboardUrl("the dashboard URL must not contain spaces or control characters")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidDashboardUrl("the dashboard URL is not valid text (it holds a lone surrogate)") from None
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "http://[::1": urlsplit itself refuses it
        raise InvalidDashboardUrl(f"the dashboard URL cannot be read: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidDashboardUrl("the dashboard URL must start with http:// or https://")
    if not parts.hostname:
        raise InvalidDashboardUrl("the dashboard URL has no host name")
    if "@" in parts.netloc:
        raise InvalidDashboardUrl("the dashboard URL must not contain a user name or password")
    try:
        _ = parts.port
    except ValueError as exc:
        raise InvalidDashboardUrl(f"the dashboard URL has an invalid port: {exc}") from None
    _check_host(parts.netloc)
    return url


# The part after `//`: a host (a name, an IPv4 address or a bracketed IPv6 address) and an optional port.
_NETLOC = re.compile(r"(?P<host>\[[^\[\]]*\]|[^\[\]:]+)(?::\d*)?")
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")


def _check_host(netloc: str) -> None:
    """Only what a browser can open: a DNS name (international ones too), an IPv4 or an IPv6 address."""
    match = _NETLOC.fullmatch(netloc)
    if match is None:
        raise InvalidDashboardUrl(f"the dashboard URL's host {netloc[:100]!r} is not a host name or address")
    host = match["host"]
    shown = repr(host[:100])
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidDashboardUrl(f"the dashboard URL's host {shown} is not an IPv6 address") from None
        return
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidDashboardUrl(f"the dashboard URL's host {shown} is not a valid host name") from None
    labels = ascii_host.removesuffix(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidDashboardUrl(f"the dashboard URL's host {shown} is not a valid host name")


def get_link(session: Session) -> DashboardLink:
    row = get_setting(session, KEY)
    if row is None:
        return DashboardLink(None, None, None)
    return DashboardLink(setting_value(row), row.updated_by, row.updated_at)


def set_link(session: Session, url: str | None, updated_by: str) -> DashboardLink:
    """Set (validated) or clear the dashboard URL."""
    value = validate_url(url) if url is not None else None
    row = put_setting(session, KEY, value, updated_by)
    return DashboardLink(value, row.updated_by, row.updated_at)
