"""Waking the scheduler: the socket its executor listens on, and the api-server's middleware that wakes it
(real UNIX sockets, a real ASGI app)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from wfo.plugin.guards.wakeup import SchedulerWakeup, gives_scheduler_work
from wfo.wakeup import WakeSocket, wake_schedulers


@pytest.fixture
def listener(tmp_path: Path) -> Any:
    sock = WakeSocket(tmp_path)
    yield sock
    sock.close()


def test_a_wake_up_reaches_every_scheduler_of_the_instance(tmp_path: Path, listener: WakeSocket) -> None:
    assert listener.path.parent == tmp_path / "run" and str(os.getpid()) in listener.path.name
    assert stat.S_IMODE(listener.path.stat().st_mode) & 0o077 == 0  # only the instance's user may write
    assert listener.drain() == 0
    assert wake_schedulers(tmp_path) == 1
    assert wake_schedulers(tmp_path) == 1
    assert listener.drain() == 2 and listener.drain() == 0


def test_a_dead_scheduler_or_no_instance_costs_nothing(tmp_path: Path) -> None:
    assert wake_schedulers(tmp_path / "no-such-home") == 0
    gone = WakeSocket(tmp_path)
    (tmp_path / "run" / "scheduler-wake-1.sock").write_bytes(b"")  # not a socket: a stale leftover
    gone.sock.close()  # bound path left behind, nobody reading
    assert wake_schedulers(tmp_path) == 0


def test_closing_removes_the_socket_file(tmp_path: Path) -> None:
    sock = WakeSocket(tmp_path)
    sock.close()
    assert list((tmp_path / "run").iterdir()) == []


@pytest.mark.parametrize(
    ("method", "path", "wakes"),
    [
        ("POST", "/api/v2/dags/chain/dagRuns", True),
        ("POST", "/api/v2/dags/chain/clearTaskInstances", True),
        ("PATCH", "/api/v2/dags/chain", True),
        ("POST", "/api/v2/backfills", True),
        ("PATCH", "/execution/task-instances/0193-abc/state", True),
        ("POST", "/wfo/api/v1/eda/runs", True),
        ("GET", "/api/v2/dags/chain/dagRuns", False),
        ("PUT", "/execution/task-instances/0193-abc/heartbeat", False),
        ("POST", "/api/v2/variables", False),
        ("POST", "/auth/token", False),
    ],
)
def test_which_requests_give_the_scheduler_work(method: str, path: str, wakes: bool) -> None:
    assert gives_scheduler_work(method, path) is wakes


def _call(app: Any, method: str, path: str) -> None:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    asyncio.run(app(scope, receive, send))


def _answering(status: int) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def test_the_middleware_wakes_after_a_successful_trigger_only(tmp_path: Path, listener: WakeSocket) -> None:
    _call(SchedulerWakeup(_answering(200), home=str(tmp_path)), "POST", "/api/v2/dags/d/dagRuns")
    assert listener.drain() == 1
    _call(SchedulerWakeup(_answering(404), home=str(tmp_path)), "POST", "/api/v2/dags/d/dagRuns")
    _call(SchedulerWakeup(_answering(200), home=str(tmp_path)), "GET", "/api/v2/dags/d/dagRuns")
    assert listener.drain() == 0


def test_every_module_preloaded_for_tasks_exists() -> None:
    from wfo.executor import preload_task_modules

    # A misspelt entry would be skipped silently and every task would import it again.
    assert preload_task_modules() == []


def test_the_api_server_runs_the_wake_up_middleware() -> None:
    from wfo.plugin.guards import stack

    assert SchedulerWakeup in [entry["middleware"] for entry in stack.root_middlewares()]


def test_the_executor_polls_often_only_shortly_after_work() -> None:
    from wfo.executor import ACTIVE_WAIT_SECONDS, ACTIVE_WINDOW_SECONDS, IDLE_WAIT_SECONDS, WfoLocalExecutor

    executor = WfoLocalExecutor(parallelism=1)
    now = executor.last_activity
    assert executor.wait_timeout(now + 1) == ACTIVE_WAIT_SECONDS  # a deferred task may come back soon
    assert executor.wait_timeout(now + ACTIVE_WINDOW_SECONDS + 1) == IDLE_WAIT_SECONDS
    assert ACTIVE_WAIT_SECONDS < IDLE_WAIT_SECONDS
