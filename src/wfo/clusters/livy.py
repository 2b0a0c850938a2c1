"""Livy endpoints of a config group: the manual's `kernel_python_credentials` / `kernel_scala_credentials`.

Each kernel has a `url` (http or https; empty = no endpoint), an `auth` (`None`, `Basic_Access`,
`Kerberos`) and, for Basic_Access, a `username` and a write-only `password`. A password left out
of an update keeps the stored one — unless the url now points at another server (scheme, host or
port), which must not receive the old server's password unasked; an empty password clears it. The
requirements of Basic_Access apply only to a kernel with a url, so clearing the url always works.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

KERNELS = ("python", "scala")
AUTH_MODES = ("None", "Basic_Access", "Kerberos")
_FIELDS = {"url", "auth", "username", "password", "password_set"}
_MAX_CHARS = 2048


class LivySettingsError(ValueError):
    """Livy settings were refused; `errors` maps `<kernel>.<field>` to a human message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        parts = [f"{key}: {message}" for key, message in self.errors.items()]
        super().__init__("invalid Livy settings: " + "; ".join(parts))


def _text(value: Any, *, strip: bool = True) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type(value).__name__}")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("contains a control character (line break, tab ...)")
    if len(value) > _MAX_CHARS:
        raise ValueError(f"is too long (at most {_MAX_CHARS} characters)")
    return value.strip() if strip else value


def _check_url(value: Any) -> str:
    url = _text(value)
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


def _origin(url: str) -> tuple[str, str, int | None] | None:
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


def _check_auth(value: Any) -> str:
    text = _text(value) or "None"
    for mode in AUTH_MODES:
        if text.lower() == mode.lower():
            return mode
    raise ValueError(f"'{text}' is not one of {', '.join(AUTH_MODES)}")


def _kernel(
    name: str, raw: Any, previous: str | None, previous_url: str, errors: dict[str, str]
) -> tuple[dict[str, str], str | None]:
    settings = {"url": "", "auth": "None", "username": ""}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors[name] = "must be an object with url, auth, username and password"
        return settings, previous
    for field in sorted(set(raw) - _FIELDS):
        errors[f"{name}.{field}"] = f"'{field}' is not a Livy setting (url, auth, username, password)"
    checks: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("url", _check_url),
        ("auth", _check_auth),
        ("username", _text),
    )
    for field, check in checks:
        try:
            settings[field] = check(raw.get(field))
        except ValueError as exc:
            errors[f"{name}.{field}"] = str(exc)
    moved = previous is not None and _origin(settings["url"]) != _origin(previous_url)
    password = None if moved else previous
    if raw.get("password") is not None:
        try:
            password = _text(raw["password"], strip=False) or None
        except ValueError as exc:
            errors[f"{name}.password"] = str(exc)
    if settings["url"] and settings["auth"] == "Basic_Access":
        if not settings["username"] and f"{name}.username" not in errors:
            errors[f"{name}.username"] = "Basic_Access needs a user name"
        if password is None and f"{name}.password" not in errors:
            errors[f"{name}.password"] = (
                "the URL now points at another server: give the password again for the new URL"
                if moved
                else "Basic_Access needs a password"
            )
    return settings, password


def validate_livy(
    payload: dict, previous_passwords: dict | None, previous_urls: dict[str, str] | None
) -> tuple[dict, dict]:
    """Check Livy settings; return `(settings without passwords, {"python": pw|None, "scala": pw|None})`.

    `previous_passwords` are the stored ones (same shape), kept for kernels whose update has no
    `password` and whose url points at the same server as `previous_urls` (kernel -> stored url).
    Raises `LivySettingsError` listing every problem.
    """
    errors: dict[str, str] = {}
    previous = previous_passwords or {}
    urls = previous_urls or {}
    if not isinstance(payload, dict):
        raise LivySettingsError({"livy": "must be an object with 'python' and 'scala' settings"})
    for key in sorted(set(payload) - set(KERNELS)):
        errors[str(key)] = f"'{key}' is not a Livy kernel (python, scala)"
    settings: dict[str, dict[str, str]] = {}
    passwords: dict[str, str | None] = {}
    for kernel in KERNELS:
        settings[kernel], passwords[kernel] = _kernel(
            kernel, payload.get(kernel), previous.get(kernel), str(urls.get(kernel) or ""), errors
        )
    if errors:
        raise LivySettingsError(errors)
    return settings, passwords
