"""Find and stop processes that belong to one wfo instance.

Process groups catch almost everything a component starts; this sweep catches the rest (a task
process that started its own session, a Spark driver) so that `wfo up` never leaves anything behind.
psutil reads the process table on Linux and macOS alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import psutil

# The supervisor's record of a running instance, in `$WFO_HOME/run/` (written by `wfo up`).
STATE_FILE = "wfo.json"


def instance_processes(home: Path) -> list[psutil.Process]:
    """Live processes of the instance at `home`, this process and its ancestors excluded.

    A process belongs to it when its environment names the instance, or when it descends from the
    supervisor or a component recorded in the state file: Airflow's setproctitle overwrites the
    environment area of the api-server and the executor workers, so the environment alone misses them.
    """
    # The DAG validator runs with a scrubbed environment (its own sandbox WFO_HOME) and carries
    # WFO_VALIDATOR_OF instead (see wfo.dagfiles.validation.scrubbed_environment).
    markers = {("WFO_HOME", str(home)), ("WFO_VALIDATOR_OF", str(home))}
    own = psutil.Process()
    found: dict[int, psutil.Process] = {}
    for process in psutil.process_iter(["environ"]):
        environ = process.info["environ"] or {}
        if any(environ.get(name) == value for name, value in markers):
            found[process.pid] = process
    for root in _recorded_processes(home):
        for process in (root, *_children(root)):
            found.setdefault(process.pid, process)
    # Nor what started it (a shell script or `timeout` running `wfo up` carries the instance's WFO_HOME).
    for process in (own, *own.parents()):
        found.pop(process.pid, None)
    return [process for pid, process in sorted(found.items()) if _running(process)]


def _recorded_processes(home: Path) -> list[psutil.Process]:
    """The supervisor and components of the state file, unless their pid now names a newer process."""
    try:
        state = json.loads((home / "run" / STATE_FILE).read_text(encoding="utf-8"))
        started = float(state["started"])
        pids = {int(state["pid"]), *(int(pid) for pid in state["components"].values() if pid)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    recorded = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            # The state is written once every component runs: a later process reuses a dead pid.
            if process.create_time() <= started + 1:
                recorded.append(process)
        except psutil.Error:
            continue
    return recorded


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    try:
        return _running(psutil.Process(pid))
    except psutil.Error:
        return False


def command_line(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline()).strip()[:200]
    except psutil.Error:
        return "?"


def kill_instance_processes(home: Path, grace_seconds: float = 5.0) -> list[str]:
    """SIGTERM, then SIGKILL, every process left over from the instance at `home`; returns their commands."""
    left = instance_processes(home)
    commands = [f"{process.pid}: {command_line(process.pid)}" for process in left]
    for process in left:
        _quietly(process.terminate)
    _, still_running = psutil.wait_procs(left, timeout=grace_seconds)
    for process in still_running:
        _quietly(process.kill)
    psutil.wait_procs(still_running, timeout=grace_seconds)
    return commands


def _quietly(action: Callable[[], None]) -> None:
    try:
        action()
    except psutil.Error:
        pass
