"""What a running platform costs: CPU while idle, and memory (RSS and PSS), per component.

Every bench that starts a platform reports its idle cost with `idle_usage` (same keys everywhere):

    idle_cpu_core_fraction   CPU seconds of all its processes per wall second (1.0 = one busy core)
    idle_cpu_by_component    the same, per component (scheduler, dag-processor, api-server, ...)
    idle_rss_mb / idle_pss_mb  memory summed over the processes (RSS counts shared pages once per
                             process; PSS splits them, so it adds up to what the machine really holds)
    idle_pss_by_component_mb the PSS per component
    idle_processes           how many processes the platform runs

CPU is psutil's `cpu_times()`: user + system, plus the reaped children's (the kernel's cutime/cstime),
so a child that started and exited inside the window still counts. PSS is Linux's smaps_rollup.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from wfo.cli import processes as wfo_processes

# Lists the live processes of one platform.
Members = Callable[[], list[psutil.Process]]


def wfo_members(home: Path) -> Members:
    """The processes of the wfo instance at `home` (what `wfo up` itself stops)."""
    return lambda: wfo_processes.instance_processes(home)


def env_members(name: str, value: str) -> Members:
    """Processes whose environment holds NAME=value, and their descendants (setproctitle rewrites the
    environment area of Airflow's api-server and executor workers, so the marker alone misses them)."""

    def members() -> list[psutil.Process]:
        own = os.getpid()
        found: dict[int, psutil.Process] = {}
        for process in psutil.process_iter(["environ"]):
            if process.pid == own or (process.info["environ"] or {}).get(name) != value:
                continue
            found[process.pid] = process
            try:
                found.update((child.pid, child) for child in process.children(recursive=True))
            except psutil.Error:
                pass
        return [process for _, process in sorted(found.items()) if _running(process)]

    return members


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# First match wins: a scheduler started with --skip-serve-logs is the scheduler, not a log server.
_COMPONENTS = (
    ("LocalExecutor", "executor-workers"),
    ("airflow worker", "executor-workers"),
    ("airflow scheduler", "scheduler"),
    ("airflow dag-processor", "dag-processor"),
    ("airflow triggerer", "triggerer"),
    ("api_server", "api-server"),
    ("airflow api-server", "api-server"),
    ("airflow standalone", "standalone"),
    ("serve-logs", "log-servers"),
    ("wfo.cli.log_server", "log-servers"),
    ("wfo.dagfiles.validator", "dag-validator"),
    ("wfo.sla.component", "sla-monitor"),
    ("wfo.serving", "model-server"),
    ("jupyterhub", "jupyterhub"),
    # The Spark Connect server's JVM and its keeper (wfo.sparkconnect), before "wfo up" matches the keeper.
    ("SparkConnectServer", "spark-connect"),
    ("wfo.sparkconnect.server", "spark-connect"),
    ("wfo up", "wfo-up"),
)


def component_of(cmdline: str) -> str:
    for needle, name in _COMPONENTS:
        if needle in cmdline:
            return name
    if "supervisor" in cmdline or "task" in cmdline.split(" ")[1:2]:
        return "tasks"
    return cmdline.split(" ", 1)[0].rsplit("/", 1)[-1][:40] or "?"


def snapshot(members: Members) -> dict[int, dict[str, Any]]:
    """pid -> CPU seconds so far, RSS/PSS in kB and the command line, for every live process."""
    snap: dict[int, dict[str, Any]] = {}
    for process in members():
        try:
            with process.oneshot():
                cpu = process.cpu_times()
                memory = process.memory_full_info()
                cmd = " ".join(process.cmdline())
        except psutil.Error:
            continue
        seconds = cpu.user + cpu.system + cpu.children_user + cpu.children_system
        pss = getattr(memory, "pss", memory.uss)  # no PSS on macOS: its unique set instead
        snap[process.pid] = {"cpu": seconds, "rss_kb": memory.rss // 1024, "pss_kb": pss // 1024, "cmd": cmd}
    return snap


def cpu_by_component(before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]) -> dict[str, float]:
    """CPU seconds per component between two snapshots (a child reaped in between counts in its parent)."""
    spent: dict[str, float] = {}
    for pid in set(before) | set(after):
        start = before.get(pid, {}).get("cpu", 0.0)
        end = after.get(pid, {}).get("cpu", start)  # died and reaped: its parent's children time has it
        cmd = (after.get(pid) or before.get(pid) or {}).get("cmd", "")
        name = component_of(cmd)
        spent[name] = spent.get(name, 0.0) + (end - start)
    return spent


def pss_by_component(snap: dict[int, dict[str, Any]]) -> dict[str, float]:
    """PSS in MB per component, largest first."""
    total: dict[str, float] = {}
    for process in snap.values():
        name = component_of(process["cmd"])
        total[name] = total.get(name, 0.0) + process["pss_kb"] / 1024
    return {name: round(mb, 1) for name, mb in sorted(total.items(), key=lambda item: -item[1])}


def idle_usage(
    platforms: dict[str, Members], seconds: float, settle: float = 10.0
) -> dict[str, dict[str, Any]]:
    """The idle cost of each platform, all measured over the same window (after `settle` seconds)."""
    time.sleep(settle)
    before = {name: snapshot(members) for name, members in platforms.items()}
    started = time.monotonic()
    time.sleep(seconds)
    after = {name: snapshot(members) for name, members in platforms.items()}
    elapsed = time.monotonic() - started
    usage: dict[str, dict[str, Any]] = {}
    for name in platforms:
        spent = cpu_by_component(before[name], after[name])
        usage[name] = {
            "idle_window_s": round(elapsed, 1),
            "idle_cpu_core_fraction": round(sum(spent.values()) / elapsed, 4),
            "idle_cpu_by_component": {
                component: round(cpu / elapsed, 4)
                for component, cpu in sorted(spent.items(), key=lambda item: -item[1])
                if cpu > 0
            },
            "idle_rss_mb": round(sum(p["rss_kb"] for p in after[name].values()) / 1024, 1),
            "idle_pss_by_component_mb": pss_by_component(after[name]),
            "idle_pss_mb": round(sum(p["pss_kb"] for p in after[name].values()) / 1024, 1),
            "idle_processes": len(after[name]),
        }
    return usage


def platform_idle(home: Path, seconds: float = 20.0) -> dict[str, Any]:
    """The idle cost of the wfo instance at `home` after a bench's work (the keys of `idle_usage`)."""
    return idle_usage({"wfo": wfo_members(home)}, seconds, settle=5.0)["wfo"]


class PeakMemory(threading.Thread):
    """The peak summed RSS and PSS of a platform while something runs (sampled every `interval` s)."""

    def __init__(self, members: Members, interval: float = 0.5):
        super().__init__(daemon=True)
        self.members, self.interval = members, interval
        self.rss_mb = self.pss_mb = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            snap = snapshot(self.members)
            self.rss_mb = max(self.rss_mb, sum(p["rss_kb"] for p in snap.values()) / 1024)
            self.pss_mb = max(self.pss_mb, sum(p["pss_kb"] for p in snap.values()) / 1024)
            self._halt.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._halt.set()
        self.join()


def kill_leftovers(members: Members) -> list[str]:
    """SIGKILL whatever of a platform still runs after it was stopped; returns what was found."""
    found = []
    for process in members():
        try:
            found.append(f"{process.pid}: {' '.join(process.cmdline())[:120]}")
            process.kill()
        except psutil.Error:
            continue
    return found
