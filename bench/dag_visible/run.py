"""Save → visible: how long until a saved DAG file is listed by Airflow, with and without a priority parse.

    .venv/bin/python bench/dag_visible/run.py [--runs 20] [--mode auto|route|direct]

Starts a `wfo up` on a free port (tests/helpers/platform_runner.Platform), then alternates two ways of
adding a new DAG file, one file at a time, and measures from the start of the save until
`GET /api/v2/dags/{dag_id}` answers 200:
  * priority: `PUT /wfo/api/v1/dag-files/{name}` (validates, commits, requests a priority parse);
    with `--mode direct` (or when the route is missing): write the file + `request_priority_parse`;
  * refresh: write the file into `$WFO_HOME/dags` and wait for the dag-processor's bundle refresh
    (`refresh_interval` 30 s in wfo's generated config), started at a random point of that interval.
Prints medians and their ratio and writes bench/results/dag-visible-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]
from common.accounting import platform_idle  # noqa: E402

from helpers.platform_runner import Platform, free_port  # noqa: E402

RESULTS = REPO / "bench" / "results"
POLL_SECONDS = 0.1
VISIBLE_TIMEOUT = 180.0
REFRESH_INTERVAL = 30.0  # [dag_processor] refresh of the dags-folder bundle in wfo's generated config


def dag_source(dag_id: str) -> str:
    return (
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None):\n"
        "    EmptyOperator(task_id='a') >> EmptyOperator(task_id='b')\n"
    )


def wait_visible(platform: Platform, dag_id: str, started: float) -> float:
    token = platform.token()
    while platform.request("GET", f"/api/v2/dags/{dag_id}", token=token).status != 200:
        if time.monotonic() - started > VISIBLE_TIMEOUT:
            raise TimeoutError(f"{dag_id} not visible after {VISIBLE_TIMEOUT} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started


def route_available(platform: Platform) -> bool:
    return platform.api("GET", "/dag-files").status == 200


def save_with_route(platform: Platform, name: str, source: str) -> None:
    body = {"content": source, "base_revision": None, "message": "bench"}
    resp = platform.api("PUT", f"/dag-files/{name}", json_body=body)
    if resp.status != 200:
        raise RuntimeError(f"PUT {name}: {resp.status} {resp.body[:500]!r}")


def save_direct(platform: Platform, name: str, source: str) -> None:
    from wfo.dagfiles.parsing import request_priority_parse

    path = platform.home / "dags" / name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(source, encoding="utf-8")
    os.replace(tmp, path)
    request_priority_parse(name)


def save_and_wait_for_refresh(platform: Platform, name: str, source: str) -> None:
    """Write the file only. The caller starts it at a random phase of the refresh cycle (see main)."""
    path = platform.home / "dags" / name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(source, encoding="utf-8")
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--mode", choices=("auto", "route", "direct"), default="auto")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="wfo-bench-visible-"))
    platform = Platform(home=root / "home", port=free_port(), admin_password=secrets.token_urlsafe(16))
    print(f"starting wfo up in {platform.home} on port {platform.port} ...", flush=True)
    platform.start()
    # Configure this process like the platform's api-server, before Airflow is first imported.
    os.environ.update(
        {
            "WFO_HOME": str(platform.home),
            "AIRFLOW_HOME": str(platform.home),
            "AIRFLOW_CONFIG": str(platform.home / "airflow.cfg"),
        }
    )
    try:
        mode = args.mode
        if mode == "auto":
            mode = "route" if route_available(platform) else "direct"
        save = save_with_route if mode == "route" else save_direct
        # Warm up: the first save starts lazy things (validator, DB pools); not measured.
        save(platform, "bench_warmup.py", dag_source("bench_warmup"))
        wait_visible(platform, "bench_warmup", time.monotonic())

        priority: list[float] = []
        refresh: list[float] = []
        tag = secrets.token_hex(3)
        for run in range(args.runs):
            for label, how, into in (
                ("priority", save, priority),
                ("refresh", save_and_wait_for_refresh, refresh),
            ):
                dag_id = f"bench_{label}_{tag}_{run}"
                if label == "refresh":
                    # The priority parse just force-refreshed the bundle: without a random pause every
                    # refresh measurement would wait a full interval instead of a uniformly random part.
                    time.sleep(random.uniform(0, REFRESH_INTERVAL))
                started = time.monotonic()
                how(platform, f"{dag_id}.py", dag_source(dag_id))
                into.append(wait_visible(platform, dag_id, started))
                print(f"run {run + 1:2d} {label:8s} {into[-1]:6.2f} s", flush=True)
        idle = platform_idle(platform.home)
    finally:
        code = platform.stop()
        print(f"wfo up stopped (exit {code})", flush=True)
        shutil.rmtree(root, ignore_errors=True)

    result: dict[str, Any] = {
        "runs": args.runs,
        "priority_mode": mode,
        "priority_seconds": priority,
        "refresh_seconds": refresh,
        "priority_median": statistics.median(priority),
        "refresh_median": statistics.median(refresh),
    }
    result["ratio"] = result["refresh_median"] / result["priority_median"]
    result["platform_idle"] = idle
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"dag-visible-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"\n| save → visible (median of {args.runs}) | seconds |\n|---|---|\n"
        f"| priority parse ({mode}) | {result['priority_median']:.2f} |\n"
        f"| bundle refresh only | {result['refresh_median']:.2f} |\n| ratio | {result['ratio']:.1f}× |\n"
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
