"""Modules every Airflow process imports stay light (DESIGN §6): checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "pyspark",
    "pandas",
    "polars",
    "sklearn",
    "torch",
    "tensorflow",
    "fastapi",
    "papermill",
    "dask",
    "wfo.plugin.app",
)

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules)))
"""


@pytest.mark.parametrize("module", ["wfo.operators", "wfo.plugin.plugin", "wfo.settings"])
def test_module_imports_nothing_heavy(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
    assert not heavy, f"importing {module} loaded {heavy}"
    assert module in loaded
