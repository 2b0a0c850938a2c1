"""Where benches write their results: `bench/results/<name>-<timestamp>[-tag].json` (gitignored)."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench" / "results"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def write_results(name: str, results: dict[str, Any], tag: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"-{tag}" if tag else ""
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return path
