"""Find and stop processes that belong to one wfo instance (by the WFO_HOME in their environment).

Process groups catch almost everything a component starts; this sweep catches the rest (a task
process that started its own session, a Spark driver) so that `wfo up` never leaves anything behind.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def instance_pids(home: Path) -> list[int]:
    # The DAG validator runs with a scrubbed environment (its own sandbox WFO_HOME) and carries
    # WFO_VALIDATOR_OF instead (see wfo.dagfiles.validation.scrubbed_environment).
    markers = {f"WFO_HOME={home}".encode(), f"WFO_VALIDATOR_OF={home}".encode()}
    own = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if markers.intersection(environ.split(b"\0")):
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:200]


def kill_instance_processes(home: Path, grace_seconds: float = 5.0) -> list[str]:
    """SIGTERM, then SIGKILL, every process left over from the instance at `home`; returns their commands."""
    pids = instance_pids(home)
    commands = [f"{pid}: {command_line(pid)}" for pid in pids]
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
    return commands


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return False
