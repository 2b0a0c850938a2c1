"""A CSV larger than the memory given to the run is profiled to the end, with exact whole-file statistics.

The run gets a memory cgroup of its own (what a container or a systemd unit gives a worker): 768 MiB for a
1 GiB file. The polars engine sees the limit (`frames.memory_left`), streams the file instead of parsing it
into memory, and stays under it: a run that held the file would be killed by the kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from helpers.memory_limit import memory_cgroup

LIMIT = 768 * 1024 * 1024
FILE_BYTES = 1024 * 1024 * 1024
BLOCK = 100_000
NOTE = "lorem ipsum dolor sit amet " * 14

PROFILE = """
import json, sys
from wfo.eda.engine.analyse import analyse_file
from wfo.eda.engine.frames import memory_left
from wfo.eda.report_html import render
report = analyse_file(sys.argv[1], source="big.csv")
render(report)
json.dump({"report": report.model_dump(mode="json"), "memory_left": memory_left()}, sys.stdout)
"""


def write_big_csv(path: Path) -> int:
    """About `FILE_BYTES` of CSV whose statistics are known: row i has id i, x = (i mod 1000) / 10,
    cat = "abcd"[i mod 4], day = 2020-01-01 + (i mod 900) days, a ~400-character note."""
    rows = 0
    with path.open("wb") as out:
        while out.tell() < FILE_BYTES:
            block = pl.select(id=pl.int_range(rows, rows + BLOCK, dtype=pl.Int64)).with_columns(
                x=(pl.col("id") % 1000) / 10,
                cat=pl.col("id").mod(4).replace_strict([0, 1, 2, 3], ["a", "b", "c", "d"]),
                day=pl.date(2020, 1, 1) + pl.duration(days=pl.col("id") % 900),
                note=pl.format(NOTE + "{}", pl.col("id") * 7919 % 100_003),
            )
            block.write_csv(out, include_header=rows == 0)
            rows += BLOCK
    return rows


def test_a_file_larger_than_the_memory_limit_is_profiled(tmp_path: Path) -> None:
    with memory_cgroup(LIMIT) as cgroup:
        if cgroup is None:
            pytest.skip("this machine does not let a test make a memory cgroup (needs a writable cgroupfs)")
        path = tmp_path / "big.csv"
        rows = write_big_csv(path)
        assert path.stat().st_size > LIMIT
        done = subprocess.run(
            [sys.executable, "-c", PROFILE, str(path)],
            capture_output=True,
            text=True,
            preexec_fn=cgroup.enter,
            timeout=600,
        )
        assert done.returncode == 0, f"killed or failed ({done.returncode}): {done.stderr[-2000:]}"
    result = json.loads(done.stdout)
    assert result["memory_left"] < LIMIT  # the run saw its limit, so it streamed
    report = result["report"]
    assert report["overview"]["rows"] == rows
    assert report["overview"]["duplicate_rows"] == 0
    c = report["columns"]
    assert (c["id"]["kind"], c["id"]["min"], c["id"]["max"]) == ("id", 0, rows - 1)
    assert c["x"]["mean"] == pytest.approx(49.95) and (c["x"]["min"], c["x"]["max"]) == (0.0, 99.9)
    assert {v["value"]: v["count"] for v in c["cat"]["top_values"]} == {k: rows // 4 for k in "abcd"}
    assert (c["day"]["kind"], c["day"]["distinct"], c["day"]["first"]) == (
        "datetime",
        900,
        "2020-01-01T00:00:00",
    )
    assert c["note"]["lengths"]["min"] == len(NOTE) + 1
