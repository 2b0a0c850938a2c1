"""Root middleware: only Admin may write, through Airflow's connections API, a connection wfo manages.

Tasks read config groups from the connections `wfo_config_group_<name>` and `wfo_config_groups`, and
the object store's credentials from `WFO_OBJECT_STORE_CONN_ID`. FAB's Op role may edit connections, which
would let it change what tasks run. So every write to `/api/v2/connections...` (Airflow's UI uses the same
routes) by a caller without `can_edit` on `WFO Published Connections` is refused when its path or its
JSON body names one of those connections: single create/update/delete, the bulk route, connection tests
that would commit. Such a caller may not write a connection of wfo's type either (`wfo-config-group`, or
`wfo_config_group` as wfo published it before, in any spelling Airflow treats as the same type), whatever
its id: only wfo publishes those. The body is read only for an authenticated caller who is not allowed,
with a size bound, and replayed unchanged to Airflow when nothing protected is named.

Published groups are also signed (wfo.clusters.signing), so even an Admin's hand edit is refused by tasks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from wfo.auth import roles
from wfo.clusters.published import is_published_type

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONNECTIONS_PATH = "/api/v2/connections"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Connection bodies are small (an extra of a few KiB); a bigger one from a non-Admin is refused unread.
MAX_BODY = 1024 * 1024
PUBLISHED_PREFIX = "wfo_config_group"  # the groups and their index `wfo_config_groups`


def route_ids(path: str) -> list[str] | None:
    """The path segments after `/api/v2/connections` (ids, or `test`...); None for other paths."""
    if path != CONNECTIONS_PATH and not path.startswith(CONNECTIONS_PATH + "/"):
        return None
    return [segment for segment in path[len(CONNECTIONS_PATH) :].split("/") if segment]


def is_protected(conn_id: str, store_conn_id: str) -> bool:
    # Case-folded: some databases (MySQL) compare connection ids without case.
    folded = conn_id.strip().casefold()
    store = store_conn_id.strip().casefold()
    return folded.startswith(PUBLISHED_PREFIX) or (bool(store) and folded == store)


ID_FIELDS = frozenset({"connection_id", "conn_id"})
TYPE_FIELDS = frozenset({"conn_type"})
Position = str  # "id" (an id field, a bare entity of a bulk delete), "type" (a conn_type field), "other"


def _position(key: Any) -> Position:
    if key in ID_FIELDS or key == "entities":
        return "id"
    return "type" if key in TYPE_FIELDS else "other"


def _strings(document: Any) -> Iterator[tuple[str, Position]]:
    """Every string in a JSON document, object keys included, and its position (see `Position`).
    Iterative: the nesting depth is the client's."""
    pending: list[tuple[Any, Position]] = [(document, "other")]
    while pending:
        item, position = pending.pop()
        if isinstance(item, str):
            yield item, position
        elif isinstance(item, dict):
            pending.extend((key, "other") for key in item)
            pending.extend((value, _position(key)) for key, value in item.items())
        elif isinstance(item, list):
            pending.extend((value, position) for value in item)


def protected_ids(segments: list[str], body: Any, store_conn_id: str) -> list[str]:
    """The protected connections a request names, in its path or anywhere in its JSON body.

    Any string equal to a protected id counts, not only `connection_id` fields: bulk bodies name ids in
    several shapes (objects to create or update, bare ids to delete), and refusing more is the safe side.
    Ids in the path or in id positions come first, so the refusal names the connection the caller meant.
    wfo's connection type as a `conn_type` is `published_types`' to name, not an id.
    """
    rank = dict.fromkeys(segments, 0)
    for text, position in _strings(body):
        if position == "type" and is_published_type(text):
            continue
        rank[text] = min(rank.get(text, 2), 1 if position == "id" else 2)
    named = [text for text in rank if is_protected(text, store_conn_id)]
    return sorted(named, key=lambda text: (rank[text], text))


def published_types(body: Any) -> list[str]:
    """wfo's connection types (the current one or an old one, any spelling) named anywhere in a body."""
    return sorted({text for text, _ in _strings(body) if is_published_type(text)})


def type_refusal_detail(conn_type: str) -> str:
    return (
        f"the connection type {conn_type!r} is wfo's (published config groups): only wfo creates "
        "connections of this type, from its Config groups page (or /wfo/api/v1/config-groups); only Admin "
        "may write one here, and tasks refuse a copy that wfo did not sign"
    )


def refusal_detail(conn_id: str, store_conn_id: str) -> str:
    if store_conn_id and conn_id.strip().casefold() == store_conn_id.strip().casefold():
        return (
            f"the connection {conn_id!r} is the object store's connection (WFO_OBJECT_STORE_CONN_ID), "
            "managed by the wfo administrator: only Admin may change it"
        )
    return (
        f"the connection {conn_id!r} is managed by wfo (a published config group): change config groups in "
        "wfo's Config groups page (or /wfo/api/v1/config-groups), which publishes and signs this connection; "
        "only Admin may write it here, and tasks refuse a copy that wfo did not sign"
    )


def _local_path(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "")).rstrip("/")
    if root and path.startswith(root + "/"):
        return path[len(root) :]
    return path


async def _respond(send: Send, status: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class _Disconnected(Exception):
    """The client went away while its body was being read."""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it exceeds `limit` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands Airflow the body already read, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class PublishedConnectionsGuard:
    """ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("method", "")).upper() in READ_METHODS:
            await self.app(scope, receive, send)
            return
        segments = route_ids(_local_path(scope))
        if segments is None:
            await self.app(scope, receive, send)
            return
        await self._guard(scope, receive, send, segments)

    async def _guard(self, scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request

        from wfo.plugin.deps import is_allowed
        from wfo.settings import get_settings

        request = Request(scope)
        user = await _caller(request)
        if user is None:
            # Airflow refuses these too; answering here means no body is read for an unknown caller.
            await _respond(send, 401, "Not authenticated")
            return
        if is_allowed(user, roles.PUBLISHED_CONNECTIONS, roles.CAN_EDIT):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body:
            await _respond(send, 413, f"a connection write may carry at most {self.max_body} bytes")
            return
        try:
            body = await _read_body(receive, self.max_body)
        except _Disconnected:
            return
        if body is None:
            await _respond(send, 413, f"a connection write may carry at most {self.max_body} bytes")
            return
        try:
            document = json.loads(body) if body.strip() else None
        except (ValueError, RecursionError):
            await _respond(send, 400, "the request body is not valid JSON")
            return
        store_conn_id = get_settings().object_store_conn_id
        named = protected_ids(segments, document, store_conn_id)
        if named:
            await run_in_threadpool(_audit_refusal, request, user, named)
            await _respond(send, 403, refusal_detail(named[0], store_conn_id))
            return
        types = published_types(document)
        if types:
            ids = [*segments, *sorted({text for text, position in _strings(document) if position == "id"})]
            await run_in_threadpool(_audit_refusal, request, user, ids or types, types)
            await _respond(send, 403, type_refusal_detail(types[0]))
            return
        await self.app(scope, _replay(body, receive), send)


def _token(request: Any) -> str | None:
    # The same choice as Airflow's `get_user`: a Bearer header wins over the UI's cookie.
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return str(credentials.strip())
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    cookie = request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    return str(cookie) if cookie else None


async def _caller(request: Any) -> Any | None:
    """The user of the request's token, or None when it has no valid one."""
    from airflow.api_fastapi.app import get_auth_manager
    from jwt import InvalidTokenError

    token = _token(request)
    if not token:
        return None
    try:
        return await get_auth_manager().get_user_from_token(token)
    except InvalidTokenError:
        return None


def _audit_refusal(request: Any, user: Any, named: list[str], conn_types: list[str] | None = None) -> None:
    from wfo.audit.service import Actor, record_separately
    from wfo.plugin.deps import _username, client_ip

    actor = Actor(_username(user), client_ip(request))
    # One event per request, bounded: a bulk body may name thousands of ids.
    details = {
        "method": request.method[:16],
        "connections": [c[:200] for c in named[:20]],
        "count": len(named),
    }
    if conn_types:
        details["conn_types"] = [t[:200] for t in conn_types[:5]]
    record_separately(actor, "connection.write", "connection", named[0][:200], "denied", details)


def root_middlewares() -> list[dict[str, Any]]:
    """The plugin's `fastapi_root_middlewares` entry of this guard."""
    return [
        {
            "middleware": PublishedConnectionsGuard,
            "args": [],
            "kwargs": {},
            "name": "wfo-published-connections-guard",
        }
    ]
