"""wfo's LocalExecutor: the scheduler loops when there is work, and about once a second when there is none.

Airflow's scheduler loop sleeps `[scheduler] scheduler_idle_sleep_time` after every loop that queued
nothing and saw no executor event. Stock Airflow sleeps 1 s: a chain of tasks waits up to a second
between one task's end and the next one's start. A short sleep (wfo used 0.2 s) buys latency with idle
CPU: the loop's queries run five times a second on a platform that runs nothing.

This executor (Airflow's documented extension point, `[core] executor = wfo.executor.WfoLocalExecutor`)
moves the wait into `sync()`, which the scheduler's executor heartbeat calls once per loop. `sync()`
returns as soon as

* a worker reports a task's end (its result queue), or
* the api-server says there is new work (`wfo.wakeup`: a run triggered, a task cleared or marked, a
  task instance reporting its end through the execution API),

and otherwise after a timeout: `ACTIVE_WAIT_SECONDS` while the platform was busy in the last
`ACTIVE_WINDOW_SECONDS` (a task handed over or ended, a wake-up), `IDLE_WAIT_SECONDS` after that. The
short timeout covers work nobody announces: a deferred task that the triggerer resumes (it writes the
database directly), a run whose schedule comes due; a platform that has run nothing for a while polls
about once a second, like stock Airflow.

It also imports, once in the scheduler before the workers are forked, the modules nearly every task's
DAG file needs (`PRELOADED`): each task process is forked from a worker, so it inherits them instead of
importing them again on every task start (the largest part of a no-op task's parse time). The scheduler's own idle sleep is then only a short pause
(`scheduler_idle_sleep_time`, set by `wfo up`). Everything else is Airflow's LocalExecutor unchanged.
Measured in `bench/orchestration/` (docs/benchmarks.md, "Orchestration overhead").
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from multiprocessing.connection import wait
from typing import Any

from airflow.executors.local_executor import LocalExecutor

from wfo.wakeup import WakeSocket

# The longest one executor heartbeat waits for a result or a wake-up: with nothing to do the scheduler
# loops about this often (stock Airflow's 1 s idle sleep) ...
IDLE_WAIT_SECONDS = 1.0
# ... and this often for a while after the last sign of work (wfo's former idle sleep).
ACTIVE_WAIT_SECONDS = 0.2
ACTIVE_WINDOW_SECONDS = 10.0


# What `from airflow.sdk import dag, task` and common operators pull in lazily, and what the task runner
# needs to parse a DAG file. An import that fails (a provider not installed) is skipped.
PRELOADED = (
    "airflow.sdk.definitions.decorators",
    "airflow.providers.standard.decorators.python",
    "airflow.providers.standard.operators.python",
    "airflow.providers.standard.operators.bash",
    "airflow.providers.standard.operators.empty",
    "airflow.dag_processing.bundles.manager",
    "airflow.dag_processing.bundles.local",
)


def preload_task_modules() -> list[str]:
    """Import `PRELOADED`; returns the modules that could not be imported."""
    missing = []
    for module in PRELOADED:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


class WfoLocalExecutor(LocalExecutor):
    """LocalExecutor whose heartbeat waits for a task's end or a wake-up (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.wake_socket: WakeSocket | None = None
        self.last_activity = time.monotonic()

    def wait_timeout(self, now: float) -> float:
        """How long the next heartbeat may wait for a result or a wake-up."""
        busy = now - self.last_activity < ACTIVE_WINDOW_SECONDS
        return ACTIVE_WAIT_SECONDS if busy else IDLE_WAIT_SECONDS

    def _process_workloads(self, workload_list: Any) -> None:
        self.last_activity = time.monotonic()
        super()._process_workloads(workload_list)  # type: ignore[no-untyped-call]

    def start(self) -> None:
        missing = preload_task_modules()
        if missing:
            self.log.info("wfo: not preloaded for tasks (not installed): %s", ", ".join(missing))
        super().start()
        home = os.environ.get("WFO_HOME")
        if home:
            try:
                self.wake_socket = WakeSocket(home)
            except OSError as exc:  # e.g. a socket path too long for AF_UNIX: poll like stock Airflow
                self.log.warning("wfo: no scheduler wake-up socket (%s); polling instead", exc)

    def sync(self) -> None:
        if self.wake_socket is not None:
            now = time.monotonic()
            if not self.result_queue.empty():
                self.last_activity = now
            else:
                # SimpleQueue has no timed get; its reading end is a multiprocessing Connection that
                # multiprocessing.connection.wait() watches together with the wake-up socket.
                reader = getattr(self.result_queue, "_reader", None)
                wake = self.wake_socket.sock
                watched: list[Any] = [wake] if reader is None else [reader, wake]
                ready = wait(watched, timeout=self.wait_timeout(now))
                if ready:
                    self.last_activity = time.monotonic()
                if wake in ready:
                    self.wake_socket.drain()
        super().sync()

    def end(self) -> None:
        try:
            super().end()
        finally:
            if self.wake_socket is not None:
                with contextlib.suppress(OSError):
                    self.wake_socket.close()
                self.wake_socket = None
