"""Running a DAG's `sla_miss_callback` (user code) outside the monitor: a fresh, sandboxed interpreter.

Like the DAG-file validator (DESIGN §9): a scrubbed environment (no DB URL, Fernet key, JWT secret),
a throwaway AIRFLOW_HOME whose airflow.cfg holds no secret, its own process group, an address-space
limit and a timeout (the whole group is killed at the deadline). The child imports the DAG file, finds
the DAG and calls `sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)` as 1.10 did
(`wfo.sla.callback_child`). It never runs in the monitor, the scheduler or the api-server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from wfo.dagfiles.validation import scrubbed_environment
from wfo.sla.detection import Recorded

CALLBACK_TIMEOUT_SECONDS = 60.0
CALLBACK_MEMORY_MB = 1024


def payload(misses: list[Recorded]) -> dict[str, object]:
    first = misses[0]
    return {
        "fileloc": first.fileloc,
        "dag_id": first.dag_id,
        "misses": [
            {
                "dag_id": m.dag_id,
                "run_id": m.run_id,
                "task_id": m.task_id,
                "sla_seconds": m.sla_seconds,
                "expected_by": m.expected_by.isoformat(),
                "detected_at": m.detected_at.isoformat(),
                "state": m.state,
            }
            for m in misses
        ],
        "memory_mb": CALLBACK_MEMORY_MB,
    }


def run_sla_callback(misses: list[Recorded], timeout: float = CALLBACK_TIMEOUT_SECONDS) -> str:
    """Run the DAG's callback for these misses (one DAG run); say how it went (never raises)."""
    home = Path(os.environ.get("WFO_HOME", tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix="wfo-sla-callback-") as sandbox:
        env = scrubbed_environment(home)
        env["WFO_SLA_SANDBOX"] = sandbox
        proc = subprocess.Popen(
            [sys.executable, "-m", "wfo.sla.callback_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=sandbox,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(json.dumps(payload(misses)).encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return f"callback timed out after {timeout:.0f} s"
    text = out.decode(errors="replace").strip()
    last = text.splitlines()[-1] if text else ""
    if proc.returncode == 0 and last.startswith("WFO_SLA_CALLBACK ok"):
        return "callback ran"
    reason = last.removeprefix("WFO_SLA_CALLBACK ") if last else f"exit code {proc.returncode}"
    return f"callback failed: {reason}"[:500]
