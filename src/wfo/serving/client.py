"""The api-server's side of the model server: ask it for serving states, forward a "try it" request.

The caller's own Airflow token is forwarded, so the model server decides as for any client.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from wfo.errors import Unavailable
from wfo.serving.config import serving_config
from wfo.settings import get_settings


def server_url() -> str:
    return serving_config(get_settings()).internal_url


def public_url() -> str:
    return serving_config(get_settings()).public_url


def states(token: str | None, timeout: float = 2.0) -> dict[str, dict[str, Any]] | None:
    """The model server's view of every served model; None when it does not answer."""
    request = urllib.request.Request(f"{server_url()}/wfo/models", headers=_auth(token))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read())["models"])
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


def metadata(name: str, token: str | None, timeout: float = 2.0) -> dict[str, Any] | None:
    """The served model's v2 metadata (inputs, outputs); None when the server does not answer with it."""
    request = urllib.request.Request(f"{server_url()}/v2/models/{name}", headers=_auth(token))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def forward(
    path: str, body: bytes, content_type: str, token: str | None, timeout: float = 30.0
) -> tuple[int, Any]:
    """POST `body` to the model server's `path`; (status, JSON or text answer)."""
    headers = {"Content-Type": content_type, **_auth(token)}
    request = urllib.request.Request(f"{server_url()}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _decode(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise Unavailable(f"the model server does not answer: {exc}") from None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
