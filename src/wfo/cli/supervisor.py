"""Runs the platform's components as child processes and stops them all together.

Each component runs in its own process group (so its own children, e.g. LocalExecutor workers or
gunicorn workers, are signalled with it), writes to its own log file, and is watched: when one dies
the supervisor names it and shows the end of its log, kills what its group left behind, and starts it
again after a short back-off (1, 2, 4 ... s) — up to `restarts` times within ten minutes; past that (or
with `restarts=0`) it stops the others. Stopping is SIGTERM to every group, then SIGKILL to whatever is
left after a grace period. A running component is also restarted when the instance asks for it
(`wfo.restarts`: the api-server after a change of its login settings); that counts as no death.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from wfo import restarts as restart_requests

# Logs can name users, hosts and paths: readable by the instance's owner only.
LOG_MODE = 0o600
# Restarts of one component are counted within this window.
RESTART_WINDOW_SECONDS = 600.0
MAX_BACKOFF_SECONDS = 16.0
# Components the instance may ask to restart (wfo.restarts): the api-server reads FAB's login settings at start.
RESTARTABLE_ON_REQUEST = frozenset({"api-server"})


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


def running_groups() -> set[int]:
    """Process groups with a running process (zombies left to an init that does not reap them: not)."""
    import psutil

    groups = set()
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE:
                groups.add(os.getpgid(proc.pid))
        except (ProcessLookupError, psutil.Error):
            continue
    return groups


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
    # Size of its log when it was last started: what it wrote since begins there.
    log_start: int = field(default=0, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _copier: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, env: dict[str, str]) -> None:
        self._log = open_private_log(self.log_path)  # closed in stop()
        self.log_start = self._log.seek(0, os.SEEK_END)
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

    def group_running(self, groups: set[int] | None = None) -> bool:
        """True while a process of the group runs; `groups`: what `running_groups()` just read, when
        several components are asked at once."""
        if self.process is None:
            return False
        self.process.poll()
        return self.process.pid in (running_groups() if groups is None else groups)

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
    def __init__(
        self,
        components: list[Component],
        env: dict[str, str],
        grace_seconds: float = 15.0,
        restarts: int = 0,
        on_restart: Callable[[Component], object] | None = None,
        backoff_seconds: float = 1.0,
        requests_home: Path | None = None,
    ):
        self.components = components
        self.env = env
        self.grace_seconds = grace_seconds
        self.restarts = restarts
        self.on_restart = on_restart
        self.backoff_seconds = backoff_seconds
        self._stop_requested: int | None = None
        self._deaths: dict[str, deque[float]] = {}
        # Where restart requests arrive (wfo.restarts); those left from an earlier run are dropped: what
        # starts now reads the current settings anyway.
        self.requests_home = requests_home
        self.requested_restarts()

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
        """Block until a stop is requested (returns None) or a component dies more often than it may be
        restarted (returns it); restart the others that die."""
        while self._stop_requested is None:
            for name in self.requested_restarts():
                self.restart_on_request(name)
            dead = self.first_dead()
            if dead is not None and not self.restart(dead):
                return dead
            if dead is None:
                time.sleep(poll_seconds)
        return None

    def restarts_left(self, name: str) -> int:
        deaths = self._deaths.setdefault(name, deque())
        while deaths and time.monotonic() - deaths[0] > RESTART_WINDOW_SECONDS:
            deaths.popleft()
        return self.restarts - len(deaths)

    def restart(self, component: Component) -> bool:
        """Start a dead component again, unless it used up its restarts (then False: stop everything)."""
        if self.restarts_left(component.name) <= 0:
            return False
        deaths = self._deaths[component.name]
        deaths.append(time.monotonic())
        code = component.exit_code()
        delay = min(self.backoff_seconds * 2.0 ** (len(deaths) - 1), MAX_BACKOFF_SECONDS)
        print(
            f"wfo: component '{component.name}' exited with code {code}; starting it again in {delay:g} s"
            f" (restart {len(deaths)} of at most {self.restarts} within {RESTART_WINDOW_SECONDS / 60:.0f}"
            f" min)\n--- last lines of {component.log_path} ---\n{component.tail()}",
            file=sys.stderr,
            flush=True,
        )
        # What the dead leader left in its group (task processes, a JVM) must not outlive it.
        component.signal_group(signal.SIGKILL)
        deadline = time.monotonic() + 5
        while component.group_running() and time.monotonic() < deadline:
            time.sleep(0.05)
        component.close_log()
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and self._stop_requested is None:
            time.sleep(0.1)
        if self._stop_requested is not None:
            return True  # stopping anyway: the caller's loop ends
        component.process = None
        component.start(self.env)
        if self.on_restart is not None:
            self.on_restart(component)
        return True

    def requested_restarts(self) -> list[str]:
        """Names of running components the instance asked to restart since the last call."""
        if self.requests_home is None:
            return []
        ours = {c.name for c in self.components} & RESTARTABLE_ON_REQUEST
        return restart_requests.take_requests(self.requests_home, ours)

    def restart_on_request(self, name: str) -> None:
        """Stop a running component gracefully (SIGTERM, SIGKILL after the grace period) and start it again."""
        component = next(c for c in self.components if c.name == name)
        if component.process is None:
            return  # not started yet: it will read the new settings when it starts
        print(f"wfo: restarting '{name}' as requested (its settings changed)", file=sys.stderr, flush=True)
        component.signal_group(signal.SIGTERM)
        signalled = time.monotonic()
        deadline = signalled + self.grace_seconds
        while (running := component.group_running()) and time.monotonic() < deadline:
            time.sleep(0.1)
        # How long the stop took, in the instance's output: a component that does not end on SIGTERM
        # makes every restart wait for the whole grace period.
        if running:
            stopped = f"did not stop within {self.grace_seconds:g} s of SIGTERM: killed"
        else:
            stopped = f"stopped by itself {time.monotonic() - signalled:.1f} s after SIGTERM"
        print(f"wfo: '{name}' {stopped}", file=sys.stderr, flush=True)
        component.signal_group(signal.SIGKILL)
        if component.process is not None:
            try:
                component.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        component.close_log()
        if self._stop_requested is not None:
            return
        component.process = None
        component.start(self.env)
        if self.on_restart is not None:
            self.on_restart(component)

    def stop_all(self) -> list[str]:
        """SIGTERM every group, SIGKILL what is left after the grace period. Returns killed names."""
        for component in reversed(self.components):
            component.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        while time.monotonic() < deadline:
            groups = running_groups()  # one read of the process table per tick, not one per component
            if not any(c.group_running(groups) for c in self.components):
                break
            time.sleep(0.1)
        killed = []
        groups = running_groups()
        for component in self.components:
            if component.group_running(groups):
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
