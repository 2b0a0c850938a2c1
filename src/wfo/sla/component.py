"""`python -m wfo.sla.component`: the sla-monitor component of `wfo up` (monitor + notifier)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from wfo.sla.monitor import SlaMonitor, run_forever
from wfo.sla.notify import Notifier

# `$WFO_HOME/run/<this>` holds the monitor's pid once it reached the database (`wfo up`'s ready check).
READY_FILE = "sla-monitor.ready"


def main() -> int:
    from airflow import settings

    if settings.Session is None:
        settings.configure_orm()  # type: ignore[no-untyped-call]
    session_class = settings.Session
    assert session_class is not None

    def session_factory() -> Session:
        return session_class()

    with session_factory() as session:
        session.execute(text("SELECT 1"))
    home = os.environ.get("WFO_HOME")
    if home:
        ready = Path(home) / "run" / READY_FILE
        ready.parent.mkdir(parents=True, exist_ok=True)
        ready.write_text(str(os.getpid()), encoding="ascii")
    monitor = SlaMonitor(session_factory)
    code = run_forever(monitor, Notifier(session_factory).notify)
    # Stopped (SIGTERM from `wfo up`): spare the exit its garbage collection over the whole heap (Airflow
    # imported), seconds of CPU the stop waited for; the kernel takes the memory at exit anyway.
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
