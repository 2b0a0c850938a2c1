"""Runs the platform's components as child processes and stops them all together.

Each component runs in its own process group (so its own children, e.g. LocalExecutor workers or
gunicorn workers, are signalled with it), writes to its own log file, and is watched: when one dies
the supervisor names it, shows the end of its log and stops the others. Stopping is SIGTERM to every
group, then SIGKILL to whatever is left after a grace period.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Logs can name users, hosts and paths: readable by the instance's owner only.
LOG_MODE = 0o600


# What a task printed, as Airflow's LocalExecutor echoes it into the scheduler's own output
# (`subprocess_logs_to_stdout=True`): `... [info ] <line> [task.stdout]` (or JSON with that logger name).
# Airflow 3.3.2 masks secrets in the task's log but not in this echo, which would put what a task prints
# -- a Livy password it was given, say -- into scheduler.log; the task's log has it, masked.
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
_TASK_OUTPUT = re.compile(rb'(\[task\.std(out|err)\]\s*$)|("logger"\s*:\s*"task\.std(out|err)")')


def is_forwarded_task_output(line: bytes) -> bool:
    """True for a line a LocalExecutor worker echoed from a task's stdout/stderr."""
    return _TASK_OUTPUT.search(_ANSI.sub(b"", line)) is not None


def open_private_log(path: Path, *, append: bool = True) -> IO[bytes]:
    """Open a log file for writing, created (or made, if it exists) readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, LOG_MODE)
    os.fchmod(fd, LOG_MODE)
    return os.fdopen(fd, "ab" if append else "wb")


@dataclass
class Component:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    # Where it serves HTTP, for `wfo status` (None: it serves nothing users open).
    url: str | None = None
    # Replaces the supervisor's environment for this component (the DAG validator gets a scrubbed one).
    env: dict[str, str] | None = field(default=None, repr=False)
    # Lines of the component's output not to keep in its log (read through a pipe when set).
    drop_line: Callable[[bytes], bool] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _copier: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, env: dict[str, str]) -> None:
        self._log = open_private_log(self.log_path)  # closed in stop()
        self.process = subprocess.Popen(
            self.argv,
            env=self.env if self.env is not None else env,
            stdin=subprocess.DEVNULL,
            stdout=self._log if self.drop_line is None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.drop_line is not None:
            self._copier = threading.Thread(target=self._copy_output, name=f"{self.name}-log", daemon=True)
            self._copier.start()

    def _copy_output(self) -> None:
        """Copy the component's output into its log line by line, leaving out what `drop_line` names."""
        assert self.process is not None and self.process.stdout is not None and self.drop_line is not None
        log = self._log
        with self.process.stdout as output:
            for line in output:
                if log is None or self.drop_line(line):
                    continue
                try:
                    log.write(line)
                    log.flush()
                except (OSError, ValueError):  # the log was closed while stopping
                    log = None

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    def signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def group_alive(self) -> bool:
        """True while any process of the component's group exists (the leader may be gone)."""
        if self.process is None:
            return False
        self.process.poll()
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                return b"".join(deque(handle, maxlen=lines)).decode(errors="replace")
        except OSError:
            return ""

    def close_log(self) -> None:
        if self._copier is not None:
            # Every writer of the pipe is gone once the group stopped: the copier reaches EOF.
            self._copier.join(timeout=5)
            self._copier = None
        if self._log is not None:
            self._log.close()
            self._log = None


class Supervisor:
    def __init__(self, components: list[Component], env: dict[str, str], grace_seconds: float = 15.0):
        self.components = components
        self.env = env
        self.grace_seconds = grace_seconds
        self._stop_requested: int | None = None

    def request_stop(self, signum: int, _frame: object = None) -> None:
        self._stop_requested = signum

    def start_all(self) -> None:
        self.start([c.name for c in self.components])

    def start(self, names: tuple[str, ...] | list[str]) -> None:
        """Start the named components that are not started yet (the others wait, e.g. for the DB)."""
        for component in self.components:
            if component.name in names and component.process is None:
                component.start(self.env)

    def first_dead(self) -> Component | None:
        for component in self.components:
            if component.exit_code() is not None:
                return component
        return None

    def wait(self, poll_seconds: float = 0.5) -> Component | None:
        """Block until a stop is requested (returns None) or a component dies (returns it)."""
        while self._stop_requested is None:
            dead = self.first_dead()
            if dead is not None:
                return dead
            time.sleep(poll_seconds)
        return None

    def stop_all(self) -> list[str]:
        """SIGTERM every group, SIGKILL what is left after the grace period. Returns killed names."""
        for component in reversed(self.components):
            component.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        while time.monotonic() < deadline and any(c.group_alive() for c in self.components):
            time.sleep(0.1)
        killed = []
        for component in self.components:
            if component.group_alive():
                killed.append(component.name)
                component.signal_group(signal.SIGKILL)
        for component in self.components:
            if component.process is not None:
                try:
                    component.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            component.close_log()
        return killed
