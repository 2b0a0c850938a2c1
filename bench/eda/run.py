"""EDA L0 report: wfo's polars engine against the polars read floor (and ydata-profiling when installed).

    .venv/bin/python bench/eda/run.py [--rows 1000000 --rows 10000000] [--repeat 1] [--keep] [--spark]
                                      [--ydata-python /path/to/venv/bin/python]

Generates a mixed-type CSV of 20 columns per `--rows` (8 float, 4 integer, 4 categorical, a text, an ISO date,
a boolean, an id; ~5 % missing in one float column) in a temp dir, then runs each method in a fresh
interpreter (so ru_maxrss is that method's own peak):
  * "read floor": `polars.scan_csv(...).collect(engine="streaming")` (every row parsed, nothing computed);
  * "wfo L0": `wfo.eda.engine.analyse.analyse_file` + `wfo.eda.report_html.render` (the HTML report with its
    charts, and the JSON twin), what a `wfo_eda` run does without the object store;
  * "wfo L0 streamed": the same with `in_memory_bytes=0`: the file is streamed once (what a file above
    `WFO_EDA_IN_MEMORY_BYTES`, 256 MiB, or above a quarter of the memory left gets; "wfo L0" parses a
    smaller file once into memory);
  * "ydata minimal" / "ydata default": `ydata_profiling.ProfileReport(...).to_html()`, only if it is installed
    here or `--ydata-python` names an interpreter that has it (a venv of its own: its pins clash with ours);
  * "wfo L0 spark" (with `--spark`): the Spark engine (`wfo.eda.engine.spark_profile`) on a local SparkSession
    (`local[*]`, `--spark-memory` for the driver) + the HTML report; its seconds include the session's start
    (also reported alone as `session_seconds`), and its peak RSS is the Python client's (the JVM is a child
    process: `jvm_peak_rss_mb`, its VmHWM read before the session stops).
Writes bench/results/eda-<timestamp>.json and prints a markdown table with seconds, peak RSS and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as py_platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"

GENERATE = """
import sys, numpy as np, polars as pl
n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(1)
cols = {}
for i in range(8):
    cols[f"num{i}"] = rng.normal(i * 10, 1 + i, n).round(3)
for i in range(4):
    cols[f"int{i}"] = rng.integers(0, 10 ** (i + 1), n)
for i in range(4):
    cols[f"cat{i}"] = rng.choice([f"c{j}" for j in range(3 * (i + 1))], n)
cols["text"] = np.char.add("word ", rng.integers(0, 10**6, n).astype(str))
cols["day"] = (np.datetime64("2020-01-01") + rng.integers(0, 1500, n).astype("timedelta64[D]")).astype(str)
cols["flag"] = rng.choice(["true", "false"], n)
cols["id"] = np.arange(n)
frame = pl.DataFrame(cols).with_columns(
    pl.when(pl.Series(rng.random(n)) < 0.05).then(None).otherwise(pl.col("num1")).alias("num1")
)
frame.write_csv(out)
"""

METHODS: dict[str, str] = {
    "read floor": "import polars as pl\nrows = pl.scan_csv(PATH).collect(engine='streaming').height",
    "wfo L0": (
        "from wfo.eda.engine.analyse import analyse_file\nfrom wfo.eda.report_html import render\n"
        "report = analyse_file(PATH, source='bench')\nhtml = render(report)\njson_twin = report.model_dump_json()\n"
        "rows = report.overview.rows"
    ),
    "wfo L0 streamed": (
        "from wfo.eda.engine.analyse import analyse_file\nfrom wfo.eda.report_html import render\n"
        "report = analyse_file(PATH, source='bench', in_memory_bytes=0)\nhtml = render(report)\n"
        "json_twin = report.model_dump_json()\nrows = report.overview.rows"
    ),
    "wfo L0 spark": (
        "import os, resource, time\nfrom pyspark.sql import SparkSession\n"
        "from wfo.eda.engine.spark_profile import profile_spark, read_csv\nfrom wfo.eda.report_html import render\n"
        "t = time.perf_counter()\n"
        "spark = (SparkSession.builder.master('local[*]').config('spark.ui.enabled', 'false')"
        ".config('spark.driver.memory', os.environ.get('WFO_BENCH_SPARK_MEMORY', '2g')).getOrCreate())\n"
        "session_seconds = time.perf_counter() - t\n"
        "report = profile_spark(read_csv(spark, PATH, ','), source='bench')\nhtml = render(report)\n"
        "json_twin = report.model_dump_json()\nrows = report.overview.rows\n"
        "import psutil\njvm = [p for p in psutil.Process().children(recursive=True) if 'java' in p.name()]\n"
        "hwm = [int(l.split()[1]) for p in jvm for l in open(f'/proc/{p.pid}/status') if l.startswith('VmHWM')]\n"
        "spark.stop()\n"
        "extra = {'session_seconds': session_seconds, 'engine': report.engine, 'jvm_peak_rss_mb': sum(hwm) / 1024}"
    ),
    "ydata minimal": (
        "import pandas as pd\nfrom ydata_profiling import ProfileReport\nframe = pd.read_csv(PATH)\n"
        "html = ProfileReport(frame, minimal=True, progress_bar=False).to_html()\nrows = len(frame)"
    ),
    "ydata default": (
        "import pandas as pd\nfrom ydata_profiling import ProfileReport\nframe = pd.read_csv(PATH)\n"
        "html = ProfileReport(frame, progress_bar=False).to_html()\nrows = len(frame)"
    ),
}

CHILD = """
import json, resource, sys, time
PATH = sys.argv[1]
started = time.perf_counter()
{code}
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "rows": rows, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **globals().get("extra", {{}})}}))
"""


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_method(name: str, path: Path, python: str = sys.executable) -> dict[str, Any]:
    out = subprocess.run(
        [python, "-c", CHILD.format(code=METHODS[name]), str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="rows per generated file (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best is reported")
    parser.add_argument("--keep", action="store_true", help="keep the generated files (printed)")
    parser.add_argument("--spark", action="store_true", help="add the Spark engine on local Spark")
    parser.add_argument("--spark-memory", default="2g", help="the local Spark driver's memory (--spark)")
    parser.add_argument("--ydata-python", help="an interpreter with ydata-profiling for the ydata methods")
    args = parser.parse_args()
    os.environ["WFO_BENCH_SPARK_MEMORY"] = args.spark_memory
    sizes = args.rows or [1_000_000]
    methods = [
        m
        for m in METHODS
        if (not m.startswith("ydata") or args.ydata_python or have("ydata_profiling"))
        and (m != "wfo L0 spark" or args.spark)
    ]
    folder = Path(tempfile.mkdtemp(prefix="wfo-bench-eda-"))
    results: list[dict[str, Any]] = []
    try:
        for rows in sizes:
            path = folder / f"mixed-{rows}.csv"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", GENERATE, str(rows), str(path)], check=True)
            print(
                f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            for method in methods:
                python = (
                    args.ydata_python if method.startswith("ydata") and args.ydata_python else sys.executable
                )
                runs = [run_method(method, path, python) for _ in range(args.repeat)]
                best = min(runs, key=lambda r: r["seconds"])
                results.append({"rows": rows, "method": method, **best, "file_mb": path.stat().st_size / 1e6})
                print(f"  {method}: {best['seconds']:.2f} s, {best['peak_rss_mb']:.0f} MB", file=sys.stderr)
    finally:
        if not args.keep:
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": py_platform.python_version(),
            "load_avg_1m": os.getloadavg()[0],
        },
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"eda-{datetime.now():%Y%m%d-%H%M%S}.json"
    target.write_text(json.dumps(report, indent=2))
    print("| rows | method | seconds | peak RSS MB | × read floor |\n|---|---|---|---|---|")
    for r in results:
        floor = next(x["seconds"] for x in results if x["rows"] == r["rows"] and x["method"] == "read floor")
        print(
            f"| {r['rows']:,} | {r['method']} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{r['seconds'] / floor:.1f} |"
        )
    print(
        f"\n(written to {target.relative_to(REPO)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
