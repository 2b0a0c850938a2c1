"""FastAPI dependencies shared by every wfo route: who the user is, may they, and where they are.

`require(resource, action)` is the only way a route gets a user: it authenticates (Bearer token or
the UI's `_token` cookie, through Airflow's own `get_user`), refuses cross-site cookie writes
(DESIGN §9), checks our permission table through the auth manager, and records refused writes in
the audit log. The route-guard test looks for the marker this module sets on those dependencies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from airflow.api_fastapi.core_api.security import get_user
from fastapi import Depends, HTTPException, Path, Request, status
from starlette.concurrency import run_in_threadpool

from wfo.audit.service import Actor, record_separately
from wfo.settings import get_settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Set on auth dependencies: (resource, action) for `require`, a tuple of such pairs for `require_any`.
AUTH_MARKER = "__wfo_auth_dependency__"


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated caller of a request."""

    user: Any
    username: str
    source_ip: str | None
    via_cookie: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.source_ip)


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _is_trusted(address: str, networks: tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: Request) -> str | None:
    """The client's address; X-Forwarded-For is believed only when it comes from a trusted proxy.

    The header is read right to left, skipping trusted proxies, so a client cannot smuggle an
    address in by sending its own X-Forwarded-For.
    """
    peer = request.client.host if request.client else None
    networks = _trusted_networks(get_settings().trusted_proxies)
    if peer is None or not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = [part.strip() for h in request.headers.getlist("x-forwarded-for") for part in h.split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _is_trusted(address, networks):
            return address
    return peer


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request) -> None:
    """CSRF guard for cookie-authenticated writes: Origin must be ours, or the browser says same-origin."""
    if request.headers.get("sec-fetch-site", "").lower() == "same-origin":
        return
    origin = request.headers.get("origin")
    if origin and origin.lower() == _origin_of(get_settings().base_url):
        return
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail="cross-site request refused: a cookie-authenticated write must come from the wfo UI "
        "(Origin header missing or foreign); API clients should send an Authorization: Bearer token",
    )


def _has_bearer(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def username_of(user: Any) -> str:
    getter = getattr(user, "get_name", None)
    name = getter() if callable(getter) else getattr(user, "username", None)
    return str(name or "unknown")


# The older private name, still imported by other modules.
_username = username_of


def route_template(request: Request) -> str:
    """`PUT /wfo/api/v1/config-groups/{group}/spark`: the matched route, never the path the client sent."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None) or "(unmatched route)"
    return f"{request.method} {request.scope.get('root_path', '')}{template}"


def is_allowed(user: Any, resource: str, action: str) -> bool:
    from airflow.api_fastapi.app import get_auth_manager

    # FAB accepts its own action names ("can_read", ...) as well as HTTP methods.
    manager: Any = get_auth_manager()
    return bool(manager.is_authorized_custom_view(method=action, resource_name=resource, user=user))


def require(
    resource: str, action: str, *, bearer_only: bool = False
) -> Callable[..., Awaitable[CurrentUser]]:
    """Dependency: the caller must be logged in and hold `action` on our `resource`."""
    dependency = _guard(((resource, action),), bearer_only=bearer_only)
    setattr(dependency, AUTH_MARKER, (resource, action))
    return dependency


def require_any(*grants: tuple[str, str], bearer_only: bool = False) -> Callable[..., Awaitable[CurrentUser]]:
    """Dependency: the caller must be logged in and hold at least one of `grants`, (resource, action)
    pairs; for routes where what a change needs depends on the change, which the service then decides
    (its marker is the tuple of pairs)."""
    dependency = _guard(grants, bearer_only=bearer_only)
    setattr(dependency, AUTH_MARKER, tuple(grants))
    return dependency


def _guard(
    grants: tuple[tuple[str, str], ...], *, bearer_only: bool
) -> Callable[..., Awaitable[CurrentUser]]:
    async def dependency(request: Request, user: Annotated[Any, Depends(get_user)]) -> CurrentUser:
        via_cookie = not _has_bearer(request)
        current = CurrentUser(user, username_of(user), client_ip(request), via_cookie)
        if via_cookie and bearer_only:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, detail="this route needs an Authorization: Bearer token"
            )
        if via_cookie and request.method in UNSAFE_METHODS:
            check_same_origin(request)
        if not any(is_allowed(user, resource, action) for resource, action in grants):
            if request.method in UNSAFE_METHODS:
                # In a worker thread, never on the event loop: the write may wait for SQLite's lock, held
                # by another request whose commit needs the loop (a 30 s stall, then "database is locked").
                await run_in_threadpool(
                    record_separately, current.actor, route_template(request), grants[0][0], None, "denied"
                )
            needs = " or ".join(f"{action} on {resource}" for resource, action in grants)
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"you may not do this: needs {needs}")
        # For the audit dependency (wfo.plugin.audit), which records the route's event after it ran.
        request.state.wfo_caller = current
        return current

    return dependency


async def _authenticated(request: Request, user: Annotated[Any, Depends(get_user)]) -> CurrentUser:
    via_cookie = not _has_bearer(request)
    if via_cookie and request.method in UNSAFE_METHODS:
        check_same_origin(request)
    current = CurrentUser(user, username_of(user), client_ip(request), via_cookie)
    request.state.wfo_caller = current
    return current


setattr(_authenticated, AUTH_MARKER, ("*", "authenticated"))

# Any logged-in user (for routes that only reveal the caller's own data or public assets).
Authenticated = Annotated[CurrentUser, Depends(_authenticated)]


# A row id in a path: what the database can hold (a larger number is a 422, not an overflow and a 500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the row's id")]
