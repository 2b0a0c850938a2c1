"""The sla-monitor keeps running through database errors and failed notifications (`wfo up` stops the whole
platform when a component exits), and stops on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from wfo.sla import monitor as monitor_module
from wfo.sla.detection import Recorded
from wfo.sla.monitor import run_forever

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MISS = Recorded(1, "d", "r", "t", 5.0, NOW, NOW, "running", (), False, "")


class ScriptedMonitor:
    """Answers each pass from a script; the last pass asks the process to stop."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.passes = 0

    def check(self) -> list[Recorded]:
        step = self.script[self.passes]
        self.passes += 1
        if self.passes == len(self.script):
            os.kill(os.getpid(), signal.SIGTERM)
        if isinstance(step, Exception):
            raise step
        return list(step)

    def seconds_to_sleep(self) -> float:
        return 0.0


def test_errors_are_survived_and_sigterm_stops_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitor_module, "POLL_SECONDS", 0.0)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    notified: list[list[Recorded]] = []

    def notify(recorded: list[Recorded]) -> None:
        notified.append(recorded)
        if len(notified) == 1:
            raise ConnectionRefusedError("smtp down")

    scripted = ScriptedMonitor(
        [OperationalError("select", {}, Exception("locked")), SQLAlchemyError("gone"), [MISS], [MISS], []]
    )
    try:
        assert run_forever(scripted, notify) == 0  # type: ignore[arg-type]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert scripted.passes == 5 and notified == [[MISS], [MISS]]
