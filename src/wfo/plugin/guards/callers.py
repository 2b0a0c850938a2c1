"""Who sent a request, decided from its headers alone (before any body is read).

The same rule as Airflow's `get_user`: an `Authorization: Bearer` token wins over the UI's `_token`
cookie, and a token counts only if the auth manager accepts it (signature, expiry, revocation).
"""

from __future__ import annotations

from typing import Any

from wfo.plugin.guards.asgi import Scope, header

COOKIE = "_token"


def presented_token(scope: Scope) -> str | None:
    scheme, _, token = (header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    from starlette.requests import Request

    return Request(scope).cookies.get(COOKIE) or None


async def caller(scope: Scope) -> Any | None:
    """The authenticated user of the request, or None (no token, or one Airflow does not accept)."""
    from airflow.api_fastapi.app import get_auth_manager
    from jwt import InvalidTokenError

    token = presented_token(scope)
    if not token:
        return None
    try:
        return await get_auth_manager().get_user_from_token(token)
    except InvalidTokenError:
        return None


def source_ip(scope: Scope) -> str | None:
    """The client's address, with the trusted-proxy rule of `wfo.plugin.deps.client_ip`."""
    from starlette.requests import Request

    from wfo.plugin.deps import client_ip

    return client_ip(Request(scope))
