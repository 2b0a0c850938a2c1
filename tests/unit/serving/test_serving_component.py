"""The model-server component as `wfo up` starts it: a worker that dies is started again, the component
(the process `wfo up` watches) stays up, and SIGTERM ends it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil


def _free_base_port() -> int:
    """A --port whose model-server port (+4000) is free."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if 5000 < port < 65000:
            return port - 4000


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not _ready(url):
        assert time.monotonic() < deadline, f"{url} not ready"
        time.sleep(0.1)


def test_a_dead_worker_is_restarted_and_the_component_stays_up(tmp_path: Path) -> None:
    port = _free_base_port()
    env = {**os.environ, "WFO_HOME": str(tmp_path / "home"), "WFO_PORT": str(port), "WFO_HOST": "127.0.0.1"}
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "wfo.serving.component"], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port + 4000}/v2/health/ready"
    try:
        _wait_ready(url)
        workers = [
            child for child in psutil.Process(server.pid).children()
            if "resource_tracker" not in " ".join(child.cmdline())
        ]  # fmt: skip
        assert len(workers) == 1
        workers[0].kill()  # as a handler's native code crashing would
        workers[0].wait(10)
        _wait_ready(url, timeout=30)
        assert server.poll() is None
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        code = server.wait(30)
        log.close()
    assert code == 0, (tmp_path / "server.log").read_text()
