"""The BI dashboard link the manual calls "Visualisations": one validated http(s) URL."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from wfo.errors import InvalidInput
from wfo.stored_settings import get_setting, put_setting, setting_value

KEY = "visualisations.dashboard_url"
MAX_URL_LENGTH = 2048


class InvalidDashboardUrl(InvalidInput):
    """The dashboard URL is not an absolute http(s) URL."""


class VisualisationsPublic(BaseModel):
    """The dashboard link and who set it last."""

    url: str | None
    updated_by: str | None
    updated_at: datetime | None


class VisualisationsUpdate(BaseModel):
    url: str | None = Field(description="absolute http(s) URL of the BI dashboard; null clears it")


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


def get_link(session: Session) -> VisualisationsPublic:
    row = get_setting(session, KEY)
    if row is None:
        return VisualisationsPublic(url=None, updated_by=None, updated_at=None)
    return VisualisationsPublic(url=setting_value(row), updated_by=row.updated_by, updated_at=row.updated_at)


def set_link(session: Session, change: VisualisationsUpdate, updated_by: str) -> VisualisationsPublic:
    """Set (validated) or clear the dashboard URL; `InvalidDashboardUrl` says what is wrong with it."""
    value = validate_url(change.url) if change.url is not None else None
    row = put_setting(session, KEY, value, updated_by)
    return VisualisationsPublic(url=value, updated_by=row.updated_by, updated_at=row.updated_at)
