"""What importing wfo adds to a process that imported Airflow (fresh interpreters)."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

VARIANTS = {
    "airflow": "import airflow",
    "airflow+wfo.operators": "import airflow; import wfo.operators",
    "airflow+wfo.plugin.plugin": "import airflow; import wfo.plugin.plugin",
}


def import_cost(repeats: int) -> dict[str, Any]:
    """Wall time of each variant (median of `repeats` interleaved runs) and, under `-X importtime`, the sum
    of the top-level entries after `airflow` (what the wfo module adds; the precise one on a busy machine)."""
    home = tempfile.mkdtemp(prefix="wfo-bench-import-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WFO_"))}
    env["AIRFLOW_HOME"] = home
    wall: dict[str, list[float]] = {name: [] for name in VARIANTS}
    added: dict[str, list[float]] = {"wfo.operators": [], "wfo.plugin.plugin": []}
    try:
        for _ in range(repeats):
            for name, code in VARIANTS.items():
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
                wall[name].append((time.perf_counter() - started) * 1000)
            for module in added:
                done = subprocess.run(
                    [sys.executable, "-X", "importtime", "-c", f"import airflow; import {module}"],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                added[module].append(_added_after_airflow(done.stderr) / 1000)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in wall.items()}
    return {
        "runs": repeats,
        "wall_ms_median": {name: round(value, 1) for name, value in median.items()},
        "added_ms_wall": {
            module: round(median[f"airflow+{module}"] - median["airflow"], 1) for module in added
        },
        "added_ms_importtime": {module: round(statistics.median(v), 1) for module, v in added.items()},
    }


def _added_after_airflow(importtime: str) -> int:
    """Microseconds of the top-level imports that follow `airflow` in `-X importtime` output."""
    total, seen_airflow = 0, False
    for line in importtime.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$", line)
        if not match or match.group(3):
            continue
        if seen_airflow:
            total += int(match.group(2))
        seen_airflow = seen_airflow or match.group(4) == "airflow"
    return total
