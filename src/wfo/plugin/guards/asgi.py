"""Small ASGI pieces shared by wfo's request guards: headers, bounded body reads, refusals.

The guards work on raw ASGI messages rather than Starlette requests so that they can decide before a
single byte of the body is read, stop reading at a limit, and hand what they read on unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower-case bytes), decoded as Latin-1."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def local_path(scope: Scope) -> str:
    """The request path without the server's root path (what Airflow's routes are written against)."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "")).rstrip("/")
    return path[len(root) :] if root and path.startswith(root) else path


class BadLength(ValueError):
    """The Content-Length header is not a number."""


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client declared; None when it sent none (chunked or no body)."""
    raw = header(scope, b"content-length")
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 19:
        raise BadLength(raw)
    return int(raw)


def has_body(scope: Scope) -> bool:
    """True when the request carries a body (or may: chunked transfer)."""
    if header(scope, b"transfer-encoding") is not None:
        return True
    try:
        return (declared_length(scope) or 0) > 0
    except BadLength:
        return True


def media_type(scope: Scope) -> str:
    return (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()


async def refuse(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer with a JSON `{"detail": ...}` and close the connection (the unread body is not wanted)."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TooLarge(Exception):
    """The body went past the reader's limit."""


class Disconnected(Exception):
    """The client went away while sending its body."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, or TooLarge as soon as it passes `limit` bytes (nothing more is read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands `body` over once, then defers to the real one (for disconnects)."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again
