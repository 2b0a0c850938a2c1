"""Which processes belong to an instance, stopping them, and `wfo status` (real processes, real sockets)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from wfo.cli import processes
from wfo.cli.main import cmd_status

SLEEP = "import time; time.sleep(120)"
# A process that starts a child, as the api-server starts its workers.
PARENT = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); time.sleep(120)"
)
DEAF = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(120)"
)

Spawn = Callable[..., "subprocess.Popen[bytes]"]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    started: list[subprocess.Popen[bytes]] = []

    def start(code: str, **env: str) -> subprocess.Popen[bytes]:
        base = {k: v for k, v in os.environ.items() if k not in ("WFO_HOME", "WFO_VALIDATOR_OF")}
        process = subprocess.Popen([sys.executable, "-c", code], env={**base, **env}, stdout=subprocess.PIPE)
        started.append(process)
        return process

    yield start
    for process in started:
        for child in _descendants(process.pid):
            child.kill()
        process.kill()
        process.wait()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for_children(pid: int) -> list[int]:
    deadline = time.monotonic() + 30
    while not (children := _descendants(pid)):
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    return [child.pid for child in children]


def _write_state(
    home: Path, components: dict[str, int], started: float, pid: int = 0, port: int = 8080
) -> None:
    (home / "run").mkdir(parents=True, exist_ok=True)
    state = {"pid": pid, "port": port, "url": "", "home": str(home), "started": started}
    state["components"] = components
    (home / "run" / processes.STATE_FILE).write_text(json.dumps(state))


def _pids(home: Path) -> set[int]:
    return {process.pid for process in processes.instance_processes(home)}


def test_an_instance_is_what_names_it_and_what_its_components_started(spawn: Spawn, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    task = spawn(SLEEP, WFO_HOME=str(ours))
    validator = spawn(SLEEP, WFO_VALIDATOR_OF=str(ours))
    other_instance = spawn(SLEEP, WFO_HOME=str(theirs))
    unrelated = spawn(SLEEP)
    # Named by nothing in its environment (as the api-server after setproctitle): found by its pid.
    api_server = spawn(PARENT)
    worker = _wait_for_children(api_server.pid)
    _write_state(ours, {"api-server": api_server.pid}, started=time.time())

    found = _pids(ours)
    assert {task.pid, validator.pid, api_server.pid, *worker} <= found
    assert not {other_instance.pid, unrelated.pid, os.getpid()} & found
    assert _pids(theirs) == {other_instance.pid}


def test_a_recorded_pid_now_naming_a_newer_process_is_not_the_instance(spawn: Spawn, tmp_path: Path) -> None:
    home = tmp_path / "home"
    newer = spawn(SLEEP)
    # The state file predates the process: its pid was reused after the instance died.
    _write_state(home, {"api-server": newer.pid}, started=time.time() - 3600)
    assert newer.pid not in _pids(home)


def test_stopping_an_instance_kills_what_ignores_sigterm_and_nothing_else(
    spawn: Spawn, tmp_path: Path
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    polite = spawn(SLEEP, WFO_HOME=str(ours))
    deaf = spawn(DEAF, WFO_HOME=str(ours))
    assert deaf.stdout is not None and deaf.stdout.readline() == b"ready\n"
    other = spawn(SLEEP, WFO_HOME=str(theirs))

    stopped = processes.kill_instance_processes(ours, grace_seconds=0.5)

    assert sorted(int(line.split(":", 1)[0]) for line in stopped) == sorted([polite.pid, deaf.pid])
    assert any("SIG_IGN" in line for line in stopped)
    # Both gone: SIGTERM alone leaves the deaf one running.
    assert not processes.alive(polite.pid) and not processes.alive(deaf.pid)
    assert other.poll() is None and processes.alive(other.pid)
    assert _pids(ours) == set()


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"metadatabase": {"status": "healthy"}}).encode()
        self.send_response(200 if self.path == "/api/v2/monitor/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_status_asks_the_address_the_instance_listens_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("WFO_HOST", "WFO_PORT", "WFO_HOME"):
        monkeypatch.delenv(name, raising=False)
    # Not 127.0.0.1: nothing answers there, as on a host where WFO_HOST is the one public address.
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        home = tmp_path / "home"
        home.mkdir()
        (home / "airflow.cfg").write_text(f"[wfo]\nhost = 127.0.0.2\nport = {server.server_port}\n")
        me = os.getpid()
        _write_state(home, {"api-server": me}, started=time.time(), pid=me, port=server.server_port)

        code = cmd_status(argparse.Namespace(home=str(home), port=None))
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert code == 0, out
    assert "health metadatabase" in out and "healthy" in out
    assert "api-server     pid" in out and "running" in out


def test_status_json_of_a_home_that_does_not_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("WFO_HOST", "WFO_PORT", "WFO_HOME"):
        monkeypatch.delenv(name, raising=False)
    code = cmd_status(argparse.Namespace(home=str(tmp_path / "nothing"), port=None, json=True))
    report = json.loads(capsys.readouterr().out)
    assert code == 3
    assert report["running"] is False and report["components"] == [] and "not running" in report["reason"]
