"""A file parsed once into memory and the same file streamed pass by pass give one report."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from wfo.eda.engine import frames
from wfo.eda.engine.profile import profile_file


def test_in_memory_and_streamed_reads_give_one_report(tmp_path: Path) -> None:
    n = 5_000
    rows = {
        "x": [None if i % 11 == 0 else (i * 37 % 101) / 7 for i in range(n)],
        "k": [i % 13 for i in range(n)],
        "c": [f"cat{i % 5}" for i in range(n)],
        "s": [f"text {i * 7919 % 3000}" for i in range(n)],
        "d": [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],
        "b": [("true", "false")[i % 3 == 0] for i in range(n)],
    }
    frame = pl.DataFrame(rows)
    frame.vstack(frame.head(250)).write_csv(tmp_path / "mixed.csv")
    assert isinstance(frames.load_file(tmp_path / "mixed.csv", in_memory_bytes=1 << 30), pl.DataFrame)
    assert isinstance(frames.load_file(tmp_path / "mixed.csv", in_memory_bytes=1_000), pl.LazyFrame)
    reports = [
        profile_file(tmp_path / "mixed.csv", source="mixed.csv", in_memory_bytes=limit).model_dump(
            exclude={"seconds", "generated_at"}
        )
        for limit in (1 << 30, 0)
    ]
    assert reports[0] == reports[1]
    assert reports[0]["overview"]["duplicate_rows"] == 250
