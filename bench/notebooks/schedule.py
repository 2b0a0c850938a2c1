"""Schedule → triggerable: time from "Schedule" on the Notebooks page to a DAG that accepts a trigger.

    .venv/bin/python bench/notebooks/schedule.py [--runs 10]

Starts a `wfo up` on a free port, uploads one notebook per run into common_workspace, then alternates, side
by side, for new notebooks:
  * schedule: `POST /wfo/api/v1/notebooks/schedules` (generates the DAG file, saves it through the DAG-files
    service, answers once Airflow parsed it), then `POST /api/v2/dags/{id}/dagRuns`, retried until accepted;
  * dag-files: the same generated source saved with `PUT /wfo/api/v1/dag-files/{name}` (what a user saving
    that DAG in the editor does: validated, committed, priority-parsed; the route does not wait), then the
    trigger retried until accepted.
Each time runs from the request's start until a trigger is accepted. Prints medians and their ratio and
writes bench/results/notebook-schedule-<timestamp>.json. Goal (issue 14): schedule < 2 s.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench"), str(REPO / "src")]
from common.results import write_results  # noqa: E402

from helpers.platform_runner import Platform, free_port  # noqa: E402

TIMEOUT = 120.0


def notebook() -> bytes:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "p",
        "metadata": {"tags": ["parameters"]},
        "outputs": [],
        "source": "n = 1\n",
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def upload(platform: Platform, path: str) -> None:
    uploaded = platform.upload(
        "/wfo/api/v1/notebooks", [("n.ipynb", notebook())], field="file", fields={"path": path}
    )
    if uploaded.status != 201:
        raise RuntimeError(f"upload of {path} answered {uploaded.status}: {uploaded.body[:300]!r}")


def trigger_until_accepted(platform: Platform, dag_id: str, started: float) -> float:
    token = platform.token()
    while True:
        resp = platform.request(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", token=token, json_body={"logical_date": None}
        )
        if resp.status == 200:
            return time.monotonic() - started
        if time.monotonic() - started > TIMEOUT:
            raise TimeoutError(f"{dag_id} not triggerable after {TIMEOUT} s: {resp.status}")
        time.sleep(0.05)


def by_schedule(platform: Platform, path: str) -> float:
    started = time.monotonic()
    body = {"notebook": path, "schedule": "0 3 * * *", "parameters": {"n": 2}}
    saved = platform.api("POST", "/notebooks/schedules", json_body=body, expected=(201,)).json()
    return trigger_until_accepted(platform, saved["dag_id"], started)


def by_dag_files(platform: Platform, path: str) -> float:
    from wfo.hub.schedules import dag_source, file_name, schedule_dag_id
    from wfo.notebooks.workspace import notebook_path

    spec = {
        "notebook": path,
        "schedule": "0 3 * * *",
        "parameters": {"n": 2},
        "config_group": None,
        "owner": "admin",
        "created": "2026-01-01T00:00:00+00:00",
    }
    dag_id = schedule_dag_id(notebook_path(path))
    started = time.monotonic()
    body = {"content": dag_source(spec), "base_revision": None, "message": "bench"}
    platform.api("PUT", f"/dag-files/{file_name(dag_id)}", json_body=body, expected=(200,))
    return trigger_until_accepted(platform, dag_id, started)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wfo-bench-schedule-"))
    platform = Platform(home=root / "home", port=free_port(), admin_password=secrets.token_urlsafe(16))
    print(f"starting wfo up in {platform.home} on port {platform.port} ...", flush=True)
    platform.start()
    scheduled: list[float] = []
    saved: list[float] = []
    try:
        upload(platform, "common_workspace/bench/warmup.ipynb")
        by_schedule(platform, "common_workspace/bench/warmup.ipynb")  # validator, pools: not measured
        for run in range(args.runs):
            for label, how, into in (
                ("schedule", by_schedule, scheduled),
                ("dag-files", by_dag_files, saved),
            ):
                path = f"common_workspace/bench/{label}_{run}.ipynb"
                upload(platform, path)
                into.append(how(platform, path))
                print(f"run {run + 1:2d} {label:9s} {into[-1]:6.2f} s", flush=True)
    finally:
        code = platform.stop()
        print(f"wfo up stopped (exit {code})", flush=True)
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "runs": args.runs,
        "schedule_seconds": scheduled,
        "dag_files_seconds": saved,
        "schedule_median": statistics.median(scheduled),
        "dag_files_median": statistics.median(saved),
    }
    result["ratio"] = result["schedule_median"] / result["dag_files_median"]
    out = write_results("notebook-schedule", result)
    print(
        f"\n| Schedule → triggerable (median of {args.runs}) | seconds |\n|---|---|\n"
        f"| POST /notebooks/schedules | {result['schedule_median']:.2f} |\n"
        f"| PUT /dag-files (same source) | {result['dag_files_median']:.2f} |\n"
        f"| ratio schedule / dag-files | {result['ratio']:.2f} |\n"
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
