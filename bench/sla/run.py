"""Task SLAs: detection latency (deadline -> miss recorded) and the sla-monitor's idle CPU.

    .venv/bin/python bench/sla/run.py [--runs 3] [--idle 60]

Starts a throwaway `wfo up` (SQLite + LocalExecutor, the shipped settings), then:

1. the idle cost over `--idle` seconds (after a 10 s settle), with no DAG deployed: CPU of the whole
   instance and per component (the sla-monitor among them) as a fraction of one core, RSS and PSS
   (bench/common/accounting.py, the same keys as every bench);
2. latency: a DAG of 10 tasks that sleep 20 s with SLAs of 3..12 s, triggered `--runs` times at once;
   for every miss, `detected_at - expected_by` (the monitor's clock at the pass that recorded it minus
   run start + sla), median / p95 / max;
3. the idle cost again, with the SLA DAG's versions known to the monitor (runs finished).

Prints a JSON summary (also written to bench/results/sla-<timestamp>.json, gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]
from common.accounting import idle_usage, wfo_members  # noqa: E402
from common.results import machine, write_results  # noqa: E402

from helpers.platform_runner import Platform, free_port  # noqa: E402

TASKS = 10
DAG = f"""
from datetime import timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("bench_sla", schedule=None, max_active_runs=16):
    for i in range({TASKS}):
        BashOperator(task_id=f"t{{i}}", bash_command="sleep 20", sla=timedelta(seconds=3 + i))
"""


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def latency(platform: Platform, runs: int) -> dict[str, Any]:
    platform.deploy_dag("bench_sla.py", DAG)
    run_ids = [platform.trigger("bench_sla") for _ in range(runs)]
    wanted = runs * TASKS
    deadline = time.monotonic() + 180
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = platform.api("GET", "/sla-misses?dag_id=bench_sla&limit=5000").json()["misses"]
        if len(found) >= wanted:
            break
        time.sleep(1)
    for run_id in run_ids:
        platform.wait_for_run("bench_sla", run_id, timeout=240)
    delays = sorted((parse(m["detected_at"]) - parse(m["expected_by"])).total_seconds() for m in found)
    return {
        "misses": len(found),
        "expected": wanted,
        "latency_s": {
            "median": round(statistics.median(delays), 3),
            "p95": round(delays[max(int(len(delays) * 0.95) - 1, 0)], 3),
            "max": round(delays[-1], 3),
            "min": round(delays[0], 3),
        },
        "states_at_detection": sorted({str(m["state_at_detection"]) for m in found}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wfo-bench-sla-") as tmp:
        platform = Platform(Path(tmp) / "home", free_port(), secrets.token_urlsafe(12))
        started = time.monotonic()
        platform.start()
        print(f"platform up in {time.monotonic() - started:.0f} s", flush=True)
        try:
            members = {"wfo": wfo_members(platform.home)}
            results: dict[str, Any] = {"machine": machine(), "idle_window_s": args.idle}
            results["idle_no_sla_dags"] = idle_usage(members, args.idle)["wfo"]
            print(json.dumps(results["idle_no_sla_dags"]), flush=True)
            results["detection"] = latency(platform, args.runs)
            print(json.dumps(results["detection"]), flush=True)
            results["idle_with_sla_dag"] = idle_usage(members, args.idle)["wfo"]
        finally:
            platform.stop()
    print(json.dumps(results, indent=2))
    print(f"results: {write_results('sla', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
