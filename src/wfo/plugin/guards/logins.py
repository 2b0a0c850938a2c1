"""Root middleware: brute-force throttling of password logins, and logins/logouts in wfo's audit log.

Password logins reach the api-server three ways: FAB's token routes (`POST /auth/token`, `/auth/token/cli`,
JSON) and FAB's login form (`POST /auth/login/`, a form). For each, the small body is read (bounded), the
user name taken from it, and the attempt refused with 429 + Retry-After, without the password being
checked, when the user name or the source address had too many failures in the window
(`wfo.audit.logins`). Otherwise the body is handed to Airflow unchanged and its answer tells the outcome:
the token routes answer 201 or 401; the form redirects back to itself on a failure and elsewhere on a
success. Logouts (`/api/v2/auth/logout`, FAB's `/auth/logout`) are recorded with the user of the token
the request carries, read before Airflow revokes it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from wfo.audit import logins
from wfo.audit.logins import ThrottlePolicy, Verdict, Via
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
    local_path,
    read_body,
    refuse,
    replay,
)
from wfo.plugin.guards.callers import caller, source_ip
from wfo.settings import get_settings

TOKEN_PATHS: dict[str, Via] = {"/auth/token": "token", "/auth/token/cli": "token-cli"}
FORM_PATH = "/auth/login/"
LOGOUT_PATHS = frozenset({"/api/v2/auth/logout", "/auth/logout", "/auth/logout/"})
# A user name and a password fit many times over; anything bigger is not a login.
MAX_LOGIN_BODY = 64 * 1024
Result = Literal["success", "failure"]


def submitted_username(body: bytes, via: Via) -> str | None:
    """The user name of a login body (JSON for the token routes, a urlencoded form for the page)."""
    name: object = None
    if via == "login-form":
        try:
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
        except ValueError:
            return None
        name = next(iter(fields.get("username") or ()), None)
    else:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return None
        name = document.get("username") if isinstance(document, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def login_result(via: Via, status: int, headers: list[tuple[bytes, bytes]]) -> Result | None:
    """What Airflow's answer says about the password check (None: no check took place)."""
    if via != "login-form":
        return {200: "success", 201: "success", 401: "failure"}.get(status)  # type: ignore[return-value]
    if status not in (301, 302, 303, 307):
        return None  # the form shown again (missing fields, CSRF token) or FAB's own rate limit
    # A successful login leaves with the UI's token cookie; a failed one is sent back to the form.
    for key, value in headers:
        name, _, rest = value.split(b";", 1)[0].partition(b"=")
        if key.lower() == b"set-cookie" and name.strip() == b"_token" and rest.strip(b'" '):
            return "success"
    location = next((v.decode("latin-1") for k, v in headers if k.lower() == b"location"), "")
    return "failure" if urlsplit(location).path.rstrip("/").endswith("/auth/login") else None


def policy_from_settings() -> ThrottlePolicy:
    settings = get_settings()
    return ThrottlePolicy(
        settings.login_failures_per_user,
        settings.login_failures_per_ip,
        timedelta(seconds=settings.login_window_seconds),
    )


def _check(policy: ThrottlePolicy, username: str | None, ip: str | None) -> Verdict:
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        return logins.check(session, policy, username, ip)


def _throttled(username: str | None, ip: str | None, via: Via, verdict: Verdict) -> None:
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        logins.record_login(session, username, ip, "denied", via, f"throttled ({verdict.counter})")


def _settle(policy: ThrottlePolicy, username: str | None, ip: str | None, via: Via, result: Result) -> None:
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        if result == "success":
            if username:
                logins.record_success(session, username)
            logins.record_login(session, username, ip, "success", via)
        else:
            logins.record_failure(session, policy, username, ip)
            logins.record_login(session, username, ip, "failure", via, "invalid credentials")


def _logout(username: str, ip: str | None) -> None:
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        logins.record_logout(session, username, ip)


Started = Callable[[int, list[tuple[bytes, bytes]]], Awaitable[None]]


async def forward(app: ASGIApp, scope: Scope, receive: Receive, send: Send, started: Started) -> None:
    """Run `app`; `started` sees the status and headers of its answer before the client does.

    The outcome of a login is recorded before the client can send its next attempt, so a fast client
    never gets one attempt more than the limit.
    """

    async def watching_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers") or ()]
            await started(int(message["status"]), headers)
        await send(message)

    await app(scope, receive, watching_send)


class LoginGuard:
    def __init__(self, app: ASGIApp, policy: ThrottlePolicy | None = None) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = local_path(scope)
            method = scope.get("method")
            if method == "POST" and (path in TOKEN_PATHS or path == FORM_PATH):
                await self._login(scope, receive, send, TOKEN_PATHS.get(path, "login-form"))
                return
            if method == "GET" and path in LOGOUT_PATHS:
                await self._logout(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send, via: Via) -> None:
        from starlette.concurrency import run_in_threadpool

        try:
            declared = declared_length(scope)
        except BadLength:
            await refuse(send, 400, "the Content-Length header is not a number")
            return
        too_large = f"a login request is at most {MAX_LOGIN_BODY // 1024} KiB"
        if declared is not None and declared > MAX_LOGIN_BODY:
            await refuse(send, 413, too_large)
            return
        try:
            body = await read_body(receive, MAX_LOGIN_BODY)
        except TooLarge:
            await refuse(send, 413, too_large)
            return
        except Disconnected:
            return
        policy = self.policy or policy_from_settings()
        username, ip = submitted_username(body, via), source_ip(scope)
        verdict = await run_in_threadpool(_check, policy, username, ip)
        if not verdict.allowed:
            await run_in_threadpool(_throttled, username, ip, via, verdict)
            await refuse(send, 429, verdict.message, [(b"retry-after", str(verdict.retry_after).encode())])
            return

        async def settle(status: int, headers: list[tuple[bytes, bytes]]) -> None:
            result = login_result(via, status, headers)
            if result is not None:
                await run_in_threadpool(_settle, policy, username, ip, via, result)

        await forward(self.app, scope, replay(body, receive), send, settle)

    async def _logout(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.concurrency import run_in_threadpool

        from wfo.plugin.deps import username_of

        # Read before Airflow revokes the token; after that nobody could say who left.
        user = await caller(scope)

        async def settle(status: int, _: list[tuple[bytes, bytes]]) -> None:
            if user is not None and status < 400:
                await run_in_threadpool(_logout, username_of(user), source_ip(scope))

        await forward(self.app, scope, receive, send, settle)
