"""Waking the scheduler: the api-server tells it at once that there is new work.

Airflow's scheduler polls the database: between loops it sleeps `[scheduler] scheduler_idle_sleep_time`.
A short sleep makes task hand-overs fast and the idle platform busy; a long one the reverse. wfo's
executor (`wfo.executor.WfoLocalExecutor`) instead waits in its heartbeat on a UNIX datagram socket of
its own, `$WFO_HOME/run/scheduler-wake-<pid>.sock`, and the api-server sends one byte to every such
socket after a request that gives the scheduler work: a DAG run triggered, task instances cleared or
marked, a DAG unpaused, a task instance reporting its end through the execution API. The scheduler
then loops at once; with nothing to do it loops about once a second, like stock Airflow.

A datagram carries no data anyone reads: the worst a local process that can write to the socket (same
user, the run folder is private) can do is make the scheduler loop more often. Sending never blocks
and never fails a request: no scheduler listening (another host, stopped) costs a failed `sendto`.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

SOCKET_PREFIX = "scheduler-wake-"
SOCKET_SUFFIX = ".sock"


def run_dir(home: str | os.PathLike[str]) -> Path:
    return Path(home) / "run"


class WakeSocket:
    """The receiving end, bound by the scheduler's executor; remove with `close()`."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        folder = run_dir(home)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{SOCKET_PREFIX}{os.getpid()}{SOCKET_SUFFIX}"
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a killed scheduler whose pid this process now has
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        old_umask = os.umask(0o177)
        try:
            self.sock.bind(str(self.path))
        finally:
            os.umask(old_umask)
        self.sock.setblocking(False)

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self) -> int:
        """Read every pending wake-up; returns how many there were."""
        count = 0
        while True:
            try:
                self.sock.recv(16)
            except (BlockingIOError, OSError):
                return count
            count += 1

    def close(self) -> None:
        self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def wake_schedulers(home: str | os.PathLike[str]) -> int:
    """Send one wake-up to every scheduler of the instance at `home`; returns how many were reached."""
    reached = 0
    try:
        paths = [p for p in run_dir(home).iterdir() if p.name.startswith(SOCKET_PREFIX)]
    except OSError:
        return 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(b"!", str(path))
                reached += 1
            except OSError:
                # Nobody bound (a scheduler that died), or its buffer is full (it has wake-ups pending
                # anyway): nothing to do.
                continue
    return reached
