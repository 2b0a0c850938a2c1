"""A restart request (wfo.restarts) restarts only the named running component, gracefully, without using
up its restarts; names the supervisor does not restart on request are dropped."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from wfo import restarts
from wfo.cli.supervisor import Component, Supervisor


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_api_server_is_restarted_on_request_and_the_others_keep_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The "api-server" notes its SIGTERM (graceful stop) in its log before it exits.
    api = Component(
        "api-server",
        [
            "/bin/sh",
            "-c",
            "trap 'echo stopping $$; exit 0' TERM; echo started $$; while :; do sleep 0.1; done",
        ],
        tmp_path / "api.log",
    )
    other = Component("scheduler", ["/bin/sh", "-c", "sleep 300"], tmp_path / "scheduler.log")
    home = tmp_path / "home"
    stale = restarts.request_restart(home, "api-server")  # from an earlier run: dropped at start
    restarted: list[str] = []
    supervisor = Supervisor(
        [api, other], dict(os.environ), restarts=0, on_restart=lambda c: restarted.append(c.name),
        requests_home=home,
    )  # fmt: skip
    assert not stale.exists()
    supervisor.start_all()
    first_api, first_other = api.pid, other.pid
    loop = threading.Thread(target=supervisor.wait, kwargs={"poll_seconds": 0.05}, daemon=True)
    loop.start()
    try:
        restarts.request_restart(home, "scheduler")  # not restartable on request: ignored
        restarts.request_restart(home, "api-server")
        _wait_for(lambda: api.pid != first_api and api.tail().count("started") == 2)
        assert "stopping" in api.tail()  # SIGTERM first: it could finish its requests
        assert other.pid == first_other and other.exit_code() is None
        assert restarted == ["api-server"]
        assert supervisor.restarts_left("api-server") == 0  # restarts=0 and nothing was used
        assert not any(restarts.request_folder(home).iterdir())
        # The instance's output says it ended by itself, and how soon.
        assert re.search(
            r"wfo: 'api-server' stopped by itself \d+\.\d s after SIGTERM", capsys.readouterr().err
        )
    finally:
        supervisor.request_stop(15)
        loop.join(timeout=10)
        supervisor.stop_all()


def test_a_component_deaf_to_sigterm_is_killed_after_the_grace_period_and_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deaf = Component(
        "api-server",
        ["/bin/sh", "-c", "trap '' TERM; echo started $$; while :; do sleep 0.1; done"],
        tmp_path / "api.log",
    )
    home = tmp_path / "home"
    supervisor = Supervisor([deaf], dict(os.environ), grace_seconds=0.5, requests_home=home)
    supervisor.start_all()
    first = deaf.pid
    try:
        _wait_for(lambda: "started" in deaf.tail())
        restarts.request_restart(home, "api-server")
        for name in supervisor.requested_restarts():
            supervisor.restart_on_request(name)
        assert deaf.pid != first
        assert "wfo: 'api-server' did not stop within 0.5 s of SIGTERM: killed" in capsys.readouterr().err
    finally:
        supervisor.stop_all()


def test_a_request_names_a_component_only(tmp_path: Path) -> None:
    for bad in ("../api-server", "api server", "", "A"):
        try:
            restarts.request_restart(tmp_path, bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
