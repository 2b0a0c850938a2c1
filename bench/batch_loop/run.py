"""CoutureLoopableBatchOperator: seeking to an offset in a big CSV, memory, and seconds per batch.

    .venv/bin/python bench/batch_loop/run.py [--big-mb 1024] [--small-mb 100] [--batches 20] [--repeat 2]
                                             [--no-platform] [--no-seek]

Generates CSVs of `--small-mb` and `--big-mb` in a temp dir (quoted fields with commas, escaped quotes and an
embedded newline every 50th row), then, each method in a fresh interpreter (so ru_maxrss is its own peak):
  (a) time to reach a row 1,000 rows before the end and read one batch of 10 rows there:
      wfo's byte-level skip (`fast_skip=True`, the default), wfo with `fast_skip=False` (csv.reader skip),
      naive csv.DictReader over everything, pandas.read_csv(skiprows=N, nrows=10);
  (b) the peak RSS of each (at both sizes: flat = the same at 100 MB and 1 GB), and of the imports alone;
  (c) on a fresh `wfo up` (tests/helpers/platform_runner.Platform): a loop of `--batches` batches of 10 rows against
      a no-op child DAG, in-worker (default) and deferrable; seconds per batch from the loop task's log.
Writes bench/results/batch-loop-<timestamp>.json and prints markdown tables. Takes ~10 min on 2 busy cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as py_platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
BACK = 1000  # the target row is this many rows before the end

# method -> (imports, timed code setting `first` to the id of the row after the offset)
METHODS: dict[str, tuple[str, str]] = {
    "imports only": (
        "import csv, fsspec, pandas\nfrom wfo.operators.csv_batches import CsvBatches",
        "first = '-'",
    ),
    "wfo fast skip": (
        "from wfo.operators.csv_batches import CsvBatches",
        """
reader = CsvBatches(PATH, batch_size=10, offset=N)
first = reader.batch(1, reader.start()).rows[0]["id"]
""",
    ),
    "wfo csv-module skip": (
        "from wfo.operators.csv_batches import CsvBatches",
        """
reader = CsvBatches(PATH, batch_size=10, offset=N, fast_skip=False)
first = reader.batch(1, reader.start()).rows[0]["id"]
""",
    ),
    "csv.DictReader (naive)": (
        "import csv",
        """
with open(PATH, newline="", encoding="utf-8") as handle:
    for index, row in enumerate(csv.DictReader(handle)):
        if index == N:
            first = row["id"]
            break
""",
    ),
    "pandas read_csv skiprows": (
        "import pandas",
        """
with open(PATH, encoding="utf-8") as handle:
    names = handle.readline().strip().split(",")
frame = pandas.read_csv(PATH, skiprows=N + 1, nrows=10, header=None, names=names, dtype=str)
first = frame["id"].iloc[0]
""",
    ),
}

PROBE = """
import resource, sys, time
PATH, N = sys.argv[1], int(sys.argv[2])
{imports}
started = time.perf_counter()
{body}
elapsed = time.perf_counter() - started
print(first, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def generate(path: Path, megabytes: int) -> int:
    """A CSV of about `megabytes` MB; returns its number of data rows (row i has id i)."""
    target = megabytes * 1_000_000
    rows, written = 0, 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("id,category,title,duration_s,url\n")
        while written < target:
            lines = []
            for i in range(rows + 1, rows + 10_001):
                title = f'"Lecture {i}\nwith notes"' if i % 50 == 0 else f'"Report, part {i} ""live"""'
                lines.append(f"{i},cat{i % 7},{title},{30 + i % 600},https://videos.example.com/v{i}.mp4\n")
            chunk = "".join(lines)
            handle.write(chunk)
            written += len(chunk)
            rows += 10_000
    return rows


def measure(method: str, path: Path, offset: int, repeat: int) -> dict[str, Any]:
    """Best time and highest peak RSS over `repeat` fresh interpreters (the machine is shared and noisy)."""
    imports, body = METHODS[method]
    code = PROBE.format(imports=imports, body=body)
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [PYTHON, "-c", code, str(path), str(offset)], capture_output=True, text=True, timeout=1800
        )
        if out.returncode != 0:
            return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else f"exit {out.returncode}"}
        first, elapsed, maxrss_kb = out.stdout.split()[-3:]
        runs.append((first, float(elapsed), int(maxrss_kb) / 1024))
    return {
        "first_id": runs[0][0],
        "seconds": min(r[1] for r in runs),
        "all_seconds": [r[1] for r in runs],
        "peak_rss_mb": max(r[2] for r in runs),
    }


def seek_benchmarks(work: Path, sizes: list[int], repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for megabytes in sizes:
        path = work / f"metadata-{megabytes}mb.csv"
        started = time.perf_counter()
        rows = generate(path, megabytes)
        print(
            f"generated {path.stat().st_size / 1e6:.0f} MB, {rows} rows in {time.perf_counter() - started:.0f} s"
        )
        offset = rows - BACK
        size: dict[str, Any] = {"bytes": path.stat().st_size, "rows": rows, "offset": offset, "methods": {}}
        for method in METHODS:
            result = measure(method, path, offset, repeat)
            if method != "imports only" and result.get("first_id") not in (str(offset + 1), None):
                result["wrong_row"] = True
            size["methods"][method] = result
            print(f"  {megabytes} MB  {method:28s} {result}")
        fast = size["methods"]["wfo fast skip"].get("seconds")
        for method, result in size["methods"].items():
            if fast and "seconds" in result and method != "imports only":
                result["mb_per_s"] = size["bytes"] / 1e6 / result["seconds"]
                result["times_slower_than_fast_skip"] = result["seconds"] / fast
        results[f"{megabytes}MB"] = size
        path.unlink()
    return results


CHILD = """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG("BenchBatchNoop", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="noop")
"""

PARENT = """
from datetime import datetime
from airflow.sdk import DAG
from wfo.operators import CoutureLoopableBatchOperator
with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    CoutureLoopableBatchOperator(
        task_id="loop", run_dag_id="BenchBatchNoop", metadata_file="{csv}", batch_size=10,
        deferrable={deferrable},
    )
"""


def _log_seconds(platform: Any, dag_id: str, run_id: str) -> tuple[float, int]:
    """Seconds from the first batch's trigger to 'Loop finished', from the loop task's structured log."""
    stamps: list[datetime] = []
    finished: datetime | None = None
    batches = 0
    for line in platform.task_log(dag_id, run_id, "loop").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or not entry.get("timestamp"):
            continue
        event = str(entry.get("event", ""))
        when = datetime.fromisoformat(str(entry.get("timestamp")).replace("Z", "+00:00"))
        if event.startswith("Batch ") and "->" in event:
            stamps.append(when)
            batches += 1
        elif event.startswith("Loop finished"):
            finished = when
    assert stamps and finished, "loop log without batches"
    return (finished - stamps[0]).total_seconds(), batches


def platform_benchmark(work: Path, batches: int) -> dict[str, Any]:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "bench")]
    from common.accounting import platform_idle

    from helpers.platform_runner import Platform, free_port

    csv_path = work / "loop.csv"
    csv_path.write_text("id,value\n" + "".join(f"{i},{i * i}\n" for i in range(1, batches * 10 + 1)))
    platform = Platform(home=work / "home", port=free_port(), admin_password=secrets.token_urlsafe(12))
    platform.start()
    results: dict[str, Any] = {}
    try:
        platform.deploy_dag("bench_batch_noop.py", CHILD)
        for deferrable in (False, True):
            dag_id = f"BenchBatchLoop{'Deferrable' if deferrable else 'InWorker'}"
            platform.deploy_dag(
                f"{dag_id}.py", PARENT.format(dag_id=dag_id, csv=csv_path, deferrable=deferrable)
            )
        platform.trigger_and_wait("BenchBatchNoop", timeout=300)  # unpause + warm up the child
        for deferrable in (False, True):
            dag_id = f"BenchBatchLoop{'Deferrable' if deferrable else 'InWorker'}"
            started = time.monotonic()
            run_id = platform.trigger(dag_id)
            state = platform.wait_for_run(dag_id, run_id, timeout=1800)
            wall = time.monotonic() - started
            loop_seconds, seen = _log_seconds(platform, dag_id, run_id) if state == "success" else (0.0, 0)
            results["deferrable" if deferrable else "in-worker"] = {
                "state": state,
                "batches": seen,
                "wall_s_trigger_to_success": wall,
                "loop_s": loop_seconds,
                "s_per_batch": loop_seconds / seen if seen else None,
            }
            print(f"  loop {dag_id}: {results['deferrable' if deferrable else 'in-worker']}")
        results["platform_idle"] = platform_idle(platform.home)
    finally:
        platform.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--small-mb", type=int, default=100)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="runs per method in (a)/(b); best time kept")
    parser.add_argument("--no-platform", action="store_true", help="skip part (c)")
    parser.add_argument("--no-seek", action="store_true", help="skip parts (a) and (b)")
    args = parser.parse_args()

    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": py_platform.python_version(), "load": os.getloadavg()},
        "target": f"row {BACK} rows before the end, then one batch of 10",
    }
    with tempfile.TemporaryDirectory(prefix="wfo-bench-loop-") as tmp:
        work = Path(tmp)
        if not args.no_seek:
            report["seek"] = seek_benchmarks(work, [args.small_mb, args.big_mb], args.repeat)
        if not args.no_platform:
            report["loop"] = platform_benchmark(work, args.batches)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"batch-loop-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}\n")
    print("| file | method | seconds | MB/s | × fast skip | peak RSS MB |\n|---|---|---|---|---|---|")
    for size, data in report.get("seek", {}).items():
        for method, r in data["methods"].items():
            print(
                f"| {size} | {method} | {r.get('seconds', 0):.2f} | {r.get('mb_per_s', 0):.0f} | "
                f"{r.get('times_slower_than_fast_skip', 0):.1f} | {r.get('peak_rss_mb', 0):.0f} |"
            )
    for mode, r in report.get("loop", {}).items():
        print(
            f"| loop {mode} | {r['batches']} batches | {r['loop_s']:.1f} s | {r['s_per_batch'] or 0:.2f} s/batch |"
        )


if __name__ == "__main__":
    main()
