"""EDA runs on the test platform: waiting for a run's end, counting the `wfo_eda` DAG's runs."""

from __future__ import annotations

import time
from typing import Any

from helpers.platform_runner import Platform

RUNS = "/eda/runs"


def wait_for(platform: Platform, run_id: str, timeout: float = 240.0) -> dict[str, Any]:
    """The run (`GET /eda/runs/{run_id}`) once it succeeded or failed, or as it is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        run = platform.api("GET", f"{RUNS}/{run_id}", expected=(200,)).json()
        if run["state"] in ("success", "failed") or time.monotonic() > deadline:
            return dict(run)
        time.sleep(0.5)


def eda_runs(platform: Platform) -> int:
    """How many runs the `wfo_eda` DAG has (a refused request starts none)."""
    platform.wait_for_dag("wfo_eda")
    answer = platform.request("GET", "/api/v2/dags/wfo_eda/dagRuns", token=platform.token(), expected=(200,))
    return int(answer.json()["total_entries"])
