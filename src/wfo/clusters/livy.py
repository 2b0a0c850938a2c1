"""Livy endpoints of a config group: the manual's `kernel_python_credentials` / `kernel_scala_credentials`.

Each kernel has a `url` (http or https; empty = no endpoint), an `auth` (`None`, `Basic_Access`,
`Kerberos`) and, for Basic_Access, a `username` and a write-only `password`. A password left out
of an update keeps the stored one — unless the url now points at another server (scheme, host or
port), which must not receive the old server's password unasked; an empty password clears it. The
requirements of Basic_Access apply only to a kernel with a url, so clearing the url always works.

This module holds the rules of single values (the models in `wfo.clusters.schemas` apply them); the
rules that depend on what is stored (passwords) are `wfo.clusters.livy_section`'s.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from wfo.clusters.errors import InvalidGroupInput

KERNELS: Final = ("python", "scala")
LivyAuth = Literal["None", "Basic_Access", "Kerberos"]
AUTH_MODES: Final[tuple[LivyAuth, ...]] = ("None", "Basic_Access", "Kerberos")
MAX_CHARS = 2048


class LivySettingsError(InvalidGroupInput):
    """Livy settings were refused; `errors` maps `<kernel>.<field>` to a human message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        parts = [f"{key}: {message}" for key, message in self.errors.items()]
        super().__init__("invalid Livy settings: " + "; ".join(parts))


def text(value: Any, *, strip: bool = True) -> str:
    """A text setting (None is empty); ValueError for anything else or a control character."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type(value).__name__}")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("contains a control character (line break, tab ...)")
    if len(value) > MAX_CHARS:
        raise ValueError(f"is too long (at most {MAX_CHARS} characters)")
    return value.strip() if strip else value


def password(value: Any) -> str | None:
    """A password as sent: None (absent: keep), "" (clear) or the password, never stripped."""
    return None if value is None else text(value, strip=False)


def check_url(url: str) -> str:
    if url == "":
        return url
    if any(char.isspace() for char in url):
        raise ValueError(f"'{url}' contains spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise ValueError(f"'{url}' is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not an absolute http:// or https:// URL (like http://livy-host:8998)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "put the user name and password in their own fields (auth Basic_Access), not in the URL"
        )
    return url


def check_auth(value: Any) -> LivyAuth:
    """One of the three modes, in any case; empty or None is `None`."""
    given = text(value) or "None"
    for mode in AUTH_MODES:
        if given.lower() == mode.lower():
            return mode
    raise ValueError(f"'{given}' is not one of {', '.join(AUTH_MODES)}")


def origin(url: str) -> tuple[str, str, int | None] | None:
    """Where a password sent to `url` goes: (scheme, host, port), default ports made explicit."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)
