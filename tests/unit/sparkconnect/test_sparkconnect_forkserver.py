"""The pre-imported client runner: a task's client is forked from it, with the task's output, env and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import wfo.settings
from wfo.operators.spark_connect import ConnectRun
from wfo.settings import Settings
from wfo.sparkconnect.forkserver import socket_path


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home)
    settings.run_dir.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "wfo.sparkconnect.forkserver"], env={**os.environ, "WFO_HOME": str(home)}
    )
    deadline = time.monotonic() + 60
    while not socket_path(settings.run_dir).exists():
        assert process.poll() is None and time.monotonic() < deadline, "the runner did not start"
        time.sleep(0.1)
    yield settings
    process.terminate()
    assert process.wait(timeout=10) == 0
    assert not socket_path(settings.run_dir).exists()


def test_a_forked_client_writes_to_the_tasks_output_and_returns_its_exit_code(
    runner: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wfo.settings, "get_settings", lambda: runner)
    lines: list[str] = []
    run = ConnectRun(lines.append)
    # A missing script: refused before any Spark session, so no server is needed here.
    code, tail = run.run(tmp_path / "missing.py", [], {"PATH": os.environ["PATH"]}, tmp_path)
    assert run.forked_pid is not None and run.process is None
    assert code == 2
    assert tail[-1] == f"wfo: the PySpark script {tmp_path / 'missing.py'} does not exist"
    assert lines[0].startswith("wfo: the client was forked from the instance's pre-imported runner")


def test_without_a_runner_the_task_starts_its_own_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wfo.settings, "get_settings", lambda: Settings(home=tmp_path))
    run = ConnectRun(lambda line: None)
    code, tail = run.run(tmp_path / "missing.py", [], {"PATH": os.environ["PATH"]}, tmp_path)
    assert run.forked_pid is None and run.process is not None
    assert code == 2 and tail[-1] == f"wfo: the PySpark script {tmp_path / 'missing.py'} does not exist"
