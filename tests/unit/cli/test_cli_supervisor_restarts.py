"""The supervisor starts a dead component again, with what its group left behind killed, a bounded number
of times within its window; past that, `wait` hands the component back (and `wfo up` stops)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil

from wfo.cli.supervisor import Component, Supervisor


def _component(tmp_path: Path, script: str) -> Component:
    return Component("flaky", ["/bin/sh", "-c", script], tmp_path / "flaky.log")


def test_a_dying_component_is_restarted_until_its_restarts_are_used_up(tmp_path: Path) -> None:
    # Each start leaves a child behind (a task process, say) and dies at once.
    component = _component(tmp_path, "sleep 300 & echo started $$; exit 3")
    restarted: list[int | None] = []
    supervisor = Supervisor(
        [component], dict(os.environ), restarts=2, on_restart=lambda c: restarted.append(c.pid),
        backoff_seconds=0.05,
    )  # fmt: skip
    supervisor.start_all()
    pids = [component.pid]
    assert supervisor.wait(poll_seconds=0.05) is component  # died a third time: handed back
    pids += restarted
    assert len(restarted) == 2 and len(set(pids)) == 3
    # Three starts in its log; the children of the first two starts went with their leader.
    assert component.tail().count("started") == 3
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "300"]]
    assert len([p for p in leftovers if os.getpgid(p.pid) in pids[:2]]) == 0
    supervisor.stop_all()


def test_without_restarts_the_first_death_is_handed_back(tmp_path: Path) -> None:
    component = _component(tmp_path, "exit 5")
    supervisor = Supervisor([component], dict(os.environ), restarts=0)
    supervisor.start_all()
    assert supervisor.wait(poll_seconds=0.05) is component
    assert component.exit_code() == 5
    supervisor.stop_all()


def test_a_stop_during_the_back_off_starts_nothing_again(tmp_path: Path) -> None:
    component = _component(tmp_path, "exit 1")
    supervisor = Supervisor([component], dict(os.environ), restarts=3, backoff_seconds=5.0)
    supervisor.start_all()
    first = component.pid
    threading.Timer(0.5, supervisor.request_stop, args=(15,)).start()
    started = time.monotonic()
    assert supervisor.wait(poll_seconds=0.05) is None
    assert time.monotonic() - started < 4 and component.pid == first
    supervisor.stop_all()
