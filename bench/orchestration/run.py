"""Orchestration overhead: `wfo up` vs stock `airflow standalone`, side by side in one run.

    .venv/bin/python bench/orchestration/run.py [--quick] [--runs N] [--idle S] [--wfo-env K=V ...]
    .venv/bin/python bench/orchestration/run.py --quick --postgres --versus WFO_EXECUTOR=celery [--versus K=V ...]

Both platforms start at the same time on this machine. For each:
  * wall time from trigger to success of a 20-task no-op chain (-> per-task overhead, with a breakdown
    of where a task's time goes: schedule / start / run) and of a 50-task fan-out;
  * idle CPU of every process of the instance over the same window, as a fraction of one core, per
    component; RSS and PSS idle and the peak during the fan-out (bench/common/accounting.py);
  * what importing wfo adds over `import airflow` in fresh interpreters.
With `--versus`, the other platform is a second `wfo up` with those settings added (instead of stock
Airflow): LocalExecutor vs Celery, say; `--postgres` gives each wfo platform a fresh PostgreSQL database,
and `--recovery` also times a scheduler SIGKILL on each (restart, then a chain run).
Writes bench/results/orchestration-<timestamp>.json and prints a markdown table (see README.md here).
`--quick` (2 runs per DAG, 20 s idle window) finishes in well under 10 minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]

from common.accounting import PeakMemory, env_members, idle_usage, kill_leftovers, wfo_members  # noqa: E402
from common.results import machine, write_results  # noqa: E402
from imports import import_cost  # noqa: E402
from report import render_table  # noqa: E402
from stock import StockAirflow  # noqa: E402
from workload import CHAIN_TASKS, DAGS, chain_breakdown, deploy, run_once  # noqa: E402

from helpers.platform_runner import WFO, Platform, free_port  # noqa: E402
from helpers.services import scratch_database  # noqa: E402

# Settings read back from each platform's configuration, for the record.
CONFIG_KEYS = (
    ("core", "executor"),
    ("core", "parallelism"),
    ("scheduler", "scheduler_idle_sleep_time"),
    ("dag_processor", "refresh_interval"),
    ("dag_processor", "min_file_process_interval"),
)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else float("nan")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 runs per DAG, 20 s idle window")
    parser.add_argument("--runs", type=int, help="runs per DAG per platform (default 5, --quick 2)")
    parser.add_argument("--idle", type=float, help="idle window in seconds (default 60, --quick 20)")
    parser.add_argument(
        "--wfo-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for wfo up (e.g. AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME=0.2)",
    )
    parser.add_argument(
        "--versus",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="compare with a second wfo up with these settings added, instead of stock Airflow",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="a fresh PostgreSQL database per wfo platform"
    )
    parser.add_argument(
        "--recovery",
        action="store_true",
        help="SIGKILL each wfo platform's scheduler: restart and chain times",
    )
    parser.add_argument("--no-stock", action="store_true", help="exploration only: skip stock Airflow")
    parser.add_argument("--no-imports", action="store_true", help="skip the import-cost measurement")
    parser.add_argument("--tag", default="", help="label stored in the results file name")
    return parser.parse_args()


def main() -> int:
    args = parse_args()

    def _terminate(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")  # run the cleanup in `finally`

    signal.signal(signal.SIGTERM, _terminate)
    runs = args.runs or (2 if args.quick else 5)
    idle_s = args.idle or (20.0 if args.quick else 60.0)
    overrides = dict(item.split("=", 1) for item in args.wfo_env)

    import airflow

    versus = dict(item.split("=", 1) for item in args.versus)

    root = Path(tempfile.mkdtemp(prefix="wfo-bench-orch-"))
    wfo = Platform(root / "wfo-home", free_port(18100, 18500), "Bench-" + secrets.token_urlsafe(12))
    platforms: dict[str, Platform] = {"wfo": wfo}
    members = {"wfo": wfo_members(wfo.home)}
    envs = {"wfo": {"AIRFLOW__API__HOST": "127.0.0.1", **overrides}}
    databases = contextlib.ExitStack()
    if versus:
        other = Platform(root / "versus-home", free_port(18500, 18999), "Bench-" + secrets.token_urlsafe(12))
        platforms["versus"], members["versus"] = other, wfo_members(other.home)
        envs["versus"] = {**envs["wfo"], **versus}
    if args.postgres:
        for name in envs:
            envs[name]["WFO_DATABASE_URL"] = databases.enter_context(scratch_database(f"wfo_bench_{name}"))
    if not versus and not args.no_stock:
        stock = StockAirflow(root / "stock-home", free_port(18500, 18999), "")
        platforms["stock"] = stock
        members["stock"] = env_members("AIRFLOW_HOME", str(stock.home))
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "airflow_version": airflow.__version__,
        "machine": machine(),
        "runs_per_dag": runs,
        "idle_window_s": idle_s,
        "wfo_overrides": overrides,
        "versus_overrides": versus,
        "postgres": args.postgres,
        "platforms": {},
    }
    times = {name: {dag_id: [] for dag_id in DAGS} for name in platforms}
    breakdowns: dict[str, list[dict[str, float]]] = {name: [] for name in platforms}
    failures: dict[str, list[str]] = {name: [] for name in platforms}
    peaks = {name: {"rss": 0.0, "pss": 0.0} for name in platforms}
    try:
        print(f"bench root {root}; starting platforms ...", flush=True)
        started = time.monotonic()
        for name, platform in platforms.items():
            if name == "stock":
                platform.start()
            else:
                _start_without_waiting(platform, envs[name])
        for name, platform in platforms.items():
            if name != "stock":
                platform.wait_ready()
        print(f"  both ready after {time.monotonic() - started:.0f} s", flush=True)
        for name, platform in platforms.items():
            deploy(platform)
            results.setdefault("config", {})[name] = {
                f"{section}.{key}": _config(platform, section, key) for section, key in CONFIG_KEYS
            }
        print(f"  config: {results['config']}", flush=True)

        # One uncounted warm-up run of each DAG per platform (first task processes, caches).
        for name, platform in platforms.items():
            for dag_id in DAGS:
                try:
                    run_once(platform, dag_id)
                except (RuntimeError, TimeoutError) as exc:
                    failures[name].append(f"warm-up {dag_id}: {exc}")
        for i in range(runs):
            for dag_id in DAGS:
                order = list(platforms.items()) if i % 2 == 0 else list(platforms.items())[::-1]
                for name, platform in order:  # interleaved, order alternating
                    if len(failures[name]) >= 2:
                        continue  # that platform is broken (e.g. its scheduler died): stop feeding it
                    try:
                        with PeakMemory(members[name]) as peak:
                            outcome = run_once(platform, dag_id)
                    except (RuntimeError, TimeoutError) as exc:
                        failures[name].append(f"run {i + 1} {dag_id}: {exc}")
                        print(f"  FAILED {name} {dag_id}: {exc}", flush=True)
                        continue
                    times[name][dag_id].append(outcome["wall_s"])
                    if dag_id == "bench_fanout":
                        peaks[name]["rss"] = max(peaks[name]["rss"], peak.rss_mb)
                        peaks[name]["pss"] = max(peaks[name]["pss"], peak.pss_mb)
                    else:
                        breakdowns[name].append(chain_breakdown(platform, outcome["run_id"]))
                    print(
                        f"  run {i + 1}/{runs} {name:5s} {dag_id:13s} {outcome['wall_s']:7.2f} s", flush=True
                    )

        if args.recovery:
            for name, platform in platforms.items():
                if name != "stock":
                    results.setdefault("recovery", {})[name] = _scheduler_recovery(platform)
                    print(f"  recovery {name}: {results['recovery'][name]}", flush=True)

        print(f"  idle window {idle_s:.0f} s ...", flush=True)
        idle = idle_usage(members, idle_s)
        for name in platforms:
            chain, fanout = times[name]["bench_chain"], times[name]["bench_fanout"]
            results["platforms"][name] = {
                "chain_wall_s": chain,
                "fanout_wall_s": fanout,
                "chain_median_s": median(chain),
                "per_task_median_s": round(median(chain) / CHAIN_TASKS, 3),
                "chain_task_breakdown_s": {
                    part: median([b[part] for b in breakdowns[name] if part in b])
                    for part in sorted({part for b in breakdowns[name] for part in b})
                },
                "fanout_median_s": median(fanout),
                **idle[name],
                "fanout_peak_rss_mb": round(peaks[name]["rss"], 1),
                "fanout_peak_pss_mb": round(peaks[name]["pss"], 1),
                "failures": failures[name],
            }
    finally:
        for name, platform in platforms.items():
            if platform.process is not None:
                try:
                    platform.stop()
                except Exception as exc:  # noqa: BLE001 - the leftovers sweep below still runs
                    print(f"  {name} did not stop cleanly: {exc}", file=sys.stderr)
            left = kill_leftovers(members[name])
            if left:
                results.setdefault("leftovers_after_sigterm", {})[name] = left
        databases.close()
    if not args.no_imports:
        print("  import cost ...", flush=True)
        results["imports"] = import_cost(3 if args.quick else 10)
    out = write_results("orchestration", results, args.tag)
    print()
    print(render_table(results))
    print(f"\nresults: {out}")
    return 0


def _start_without_waiting(platform: Platform, env: dict[str, str]) -> None:
    platform.start(wait=False, **env)


def _scheduler_pid(platform: Platform) -> int | None:
    shown = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    for component in json.loads(shown.stdout or "{}").get("components", []):
        if component.get("name") == "scheduler" and component.get("state") == "running":
            return int(component["pid"])
    return None


def _scheduler_recovery(platform: Platform, timeout: float = 180.0) -> dict[str, float]:
    """SIGKILL the scheduler: seconds until `wfo up` runs a new one, then a chain run's wall time."""
    before = _scheduler_pid(platform)
    assert before is not None, "no running scheduler"
    killed = time.monotonic()
    os.kill(before, signal.SIGKILL)
    while _scheduler_pid(platform) in (None, before):
        if time.monotonic() - killed > timeout:
            raise TimeoutError("the scheduler was not restarted")
        time.sleep(0.2)
    restarted = time.monotonic() - killed
    chain = run_once(platform, "bench_chain")["wall_s"]
    return {
        "restart_s": round(restarted, 2),
        "chain_after_s": chain,
        "kill_to_chain_done_s": round(time.monotonic() - killed, 2),
    }


def _config(platform: Platform, section: str, key: str) -> str:
    done = platform.airflow_cli("config", "get-value", section, key, check=False)
    return done.stdout.strip() or "(default)"


if __name__ == "__main__":
    sys.exit(main())
