"""Request bodies are bounded before they are read, and read only for callers who logged in.

Two middlewares (DESIGN §5 "limits before work"):

* `RequestBodyLimit`, a root middleware of the api-server: no body above `WFO_MAX_REQUEST_BYTES` (the
  largest upload a wfo route takes). A declared Content-Length above it is answered 413 at once; a
  chunked body is counted while it streams and cut off at the limit. Airflow's own API (`/api/v2`,
  `/ui`) reads bodies before it authenticates, so there a body from a caller without a valid token is
  refused (401) unread.
* `AppBodyGuard`, on each wfo app (`/wfo` and the manual-compatible ones): a body from a caller without
  a valid token is refused unread (401); routes that take files keep their own limits (the multipart
  reader of `wfo.plugin.uploads`), every other body is limited to `WFO_MAX_JSON_BYTES` and JSON
  holding a lone UTF-16 surrogate is refused with 422 instead of failing later with a 500.
"""

from __future__ import annotations

import json
from typing import Any

from wfo.plugin.guards.asgi import (
    ASGIApp,
    BadLength,
    Disconnected,
    Message,
    Receive,
    Scope,
    Send,
    TooLarge,
    declared_length,
    has_body,
    local_path,
    media_type,
    read_body,
    refuse,
    replay,
)
from wfo.plugin.guards.callers import caller
from wfo.settings import get_settings
from wfo.storage.limits import format_size

# Airflow routes that authenticate every request: a body sent there without a valid token is never
# read. (`/auth` takes passwords and `/execution` has its own task tokens; they get the size limit.)
AUTHENTICATED_AIRFLOW_PREFIXES = ("/api/v2/", "/ui/")
NOT_AUTHENTICATED = (
    "not authenticated: send a valid `Authorization: Bearer` token (from POST /auth/token) or log in; "
    "request bodies are read only for authenticated callers"
)
MULTIPART = "multipart/form-data"


def too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {format_size(limit)}"


class RequestBodyLimit:
    """Root middleware: the whole server's body limit, and no anonymous bodies for Airflow's API."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None, public_role: bool | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.public_role = public_role

    def _anonymous_allowed(self) -> bool:
        if self.public_role is None:
            from airflow.configuration import conf

            # With FAB's public role, Airflow serves callers without a token; so must this guard.
            self.public_role = bool(conf.get("fab", "auth_role_public", fallback=""))
        return self.public_role

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_body(scope):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes or get_settings().max_request_bytes
        try:
            declared = declared_length(scope)
        except BadLength:
            await refuse(send, 400, "the Content-Length header is not a number")
            return
        if declared is not None and declared > limit:
            await refuse(send, 413, too_large(limit))
            return
        path = local_path(scope)
        if (
            path.startswith(AUTHENTICATED_AIRFLOW_PREFIXES)
            and not self._anonymous_allowed()
            and await caller(scope) is None
        ):
            await refuse(send, 401, NOT_AUTHENTICATED)
            return
        await counted(self.app, scope, receive, send, limit)


async def counted(app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Run `app`, answering 413 and cutting the body off once more than `limit` bytes arrived."""
    received = 0
    cut_off = False
    started = False

    async def counting_receive() -> Message:
        nonlocal received, cut_off
        if cut_off:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                cut_off = True
                if not started:
                    await refuse(send, 413, too_large(limit))
                # The app sees a client that went away; whatever it answers to that is dropped below.
                return {"type": "http.disconnect"}
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if cut_off:
            return
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    await app(scope, counting_receive, guarded_send)


def takes_files(route: Any) -> bool:
    """Does the route document a multipart body (then its multipart reader applies its own limit)?"""
    extra = getattr(route, "openapi_extra", None) or {}
    content = (extra.get("requestBody") or {}).get("content") or {}
    return MULTIPART in content


def matched_route(scope: Scope) -> Any | None:
    from starlette.routing import Match

    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
    return None


def has_lone_surrogate(body: bytes) -> bool:
    """True for JSON that decodes to text no UTF-8 can hold (`"\\ud800"`); False for anything else."""
    if b"\\u" not in body:
        return False
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the route's own parser answers that
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def is_json(scope: Scope) -> bool:
    kind = media_type(scope)
    # FastAPI parses a body without a content type as JSON too.
    return kind in ("", "application/json") or kind.endswith("+json")


class AppBodyGuard:
    """Middleware of each wfo app: bodies only from authenticated callers, small unless files."""

    def __init__(self, app: ASGIApp, max_json_bytes: int | None = None) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_body(scope):
            await self.app(scope, receive, send)
            return
        if await caller(scope) is None:
            await refuse(send, 401, NOT_AUTHENTICATED)
            return
        if takes_files(matched_route(scope)):
            await self.app(scope, receive, send)
            return
        limit = self.max_json_bytes or get_settings().max_json_bytes
        try:
            declared = declared_length(scope)
        except BadLength:
            await refuse(send, 400, "the Content-Length header is not a number")
            return
        if declared is not None and declared > limit:
            await refuse(send, 413, too_large(limit))
            return
        try:
            body = await read_body(receive, limit)
        except TooLarge:
            await refuse(send, 413, too_large(limit))
            return
        except Disconnected:
            return
        if is_json(scope) and has_lone_surrogate(body):
            await refuse(
                send,
                422,
                "the JSON body holds a lone UTF-16 surrogate (an escape like \\ud800 without its pair): "
                "send text as valid Unicode",
            )
            return
        await self.app(scope, replay(body, receive), send)
