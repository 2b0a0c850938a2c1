"""Root middleware: after a request that gives the scheduler work, wake it (wfo.wakeup).

A DAG run triggered, task instances cleared or marked, a DAG unpaused (Airflow's REST API under
`/api/v2/dags` and `/api/v2/backfills`), anything wfo's own API changes, and a task instance reporting
its new state through the execution API (`PATCH /execution/task-instances/{id}/state`): once the
response shows it succeeded (status < 400), every scheduler of this instance gets a wake-up datagram
and loops at once instead of at its next poll.
"""

from __future__ import annotations

from wfo.plugin.guards.asgi import ASGIApp, Message, Receive, Scope, Send, local_path
from wfo.wakeup import wake_schedulers

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_API_PREFIXES = ("/api/v2/dags", "/api/v2/backfills", "/wfo/api/v1/")


def gives_scheduler_work(method: str, path: str) -> bool:
    if method in _SAFE_METHODS:
        return False
    if path.startswith("/execution/task-instances/"):
        return path.endswith("/state")
    return path.startswith(_API_PREFIXES)


class SchedulerWakeup:
    def __init__(self, app: ASGIApp, home: str | None = None) -> None:
        self.app = app
        self.home = home

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not gives_scheduler_work(
            str(scope.get("method", "")), local_path(scope)
        ):
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, remember_status)
        if status < 400:
            if self.home is None:
                from wfo.settings import get_settings

                self.home = str(get_settings().home)
            wake_schedulers(self.home)
