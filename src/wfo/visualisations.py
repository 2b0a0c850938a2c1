"""The BI dashboard link the manual calls "Visualisations": one validated http(s) URL."""

from __future__ import annotations

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
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidDashboardUrl("the dashboard URL must start with http:// or https://")
    if not parts.hostname:
        raise InvalidDashboardUrl("the dashboard URL has no host name")
    if parts.username or parts.password:
        raise InvalidDashboardUrl("the dashboard URL must not contain a user name or password")
    try:
        _ = parts.port
    except ValueError as exc:
        raise InvalidDashboardUrl(f"the dashboard URL has an invalid port: {exc}") from None
    return url


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
