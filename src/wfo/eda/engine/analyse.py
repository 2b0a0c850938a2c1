"""One EDA run on the engine: the L0 report of a source, with the L1 importance for a data-importance run."""

from __future__ import annotations

import os
import time
from typing import Literal

import polars as pl

from wfo.eda.engine.profile import profile, read_and_profile
from wfo.eda.errors import UnknownTarget
from wfo.eda.schemas import Report, ReportKind
from wfo.settings import DEFAULT_EDA_IN_MEMORY_BYTES

Task = Literal["classification", "regression"]


def analyse_file(
    path: str | os.PathLike[str],
    *,
    source: str,
    kind: ReportKind = "preliminary",
    target: str | None = None,
    task: Task | None = None,
    in_memory_bytes: int = DEFAULT_EDA_IN_MEMORY_BYTES,
) -> Report:
    started = time.monotonic()
    report, frame = read_and_profile(path, source=source, kind=kind, in_memory_bytes=in_memory_bytes)
    return _with_importance(report, frame, kind, target, task, started)


def profile_file_spark(
    path: str | os.PathLike[str], *, source: str, config_group: str | None, label: str
) -> Report:
    """The L0 report of a local file computed on Spark (the config group's session; `wfo.eda.spark_session`).

    Excel is converted to CSV first (a spreadsheet is small next to what Spark is for). The file is read
    by Spark from this worker's path: the local master, wfo's own Spark Connect server, or a cluster that
    mounts the same path.
    """
    from wfo.eda.engine.frames import EXCEL_SUFFIXES, read_excel, separator_for
    from wfo.eda.engine.spark_profile import profile_spark, read_csv
    from wfo.eda.spark_session import group_session

    csv_path = os.fspath(path)
    if csv_path.lower().endswith(EXCEL_SUFFIXES):
        from pathlib import Path

        csv_path = csv_path + ".csv"
        read_excel(Path(path)).write_csv(csv_path)
    if os.path.getsize(csv_path) == 0:
        from wfo.eda.engine.profile import empty_report

        return empty_report(source, "preliminary", time.monotonic())
    with group_session(config_group, label) as spark:
        frame = read_csv(spark, os.path.abspath(csv_path), separator_for(csv_path))
        return profile_spark(frame, source=source)


def analyse_frame(
    frame: pl.LazyFrame,
    *,
    source: str,
    kind: ReportKind = "preliminary",
    target: str | None = None,
    task: Task | None = None,
) -> Report:
    started = time.monotonic()
    report = profile(frame, source=source, kind=kind)
    return _with_importance(report, frame, kind, target, task, started)


def _with_importance(
    report: Report,
    frame: pl.LazyFrame,
    kind: ReportKind,
    target: str | None,
    task: Task | None,
    started: float,
) -> Report:
    if kind == "data_importance":
        if not target:
            raise UnknownTarget("A data-importance run needs a target column.")
        from wfo.eda.engine.importance import importance  # scikit-learn: only for data importance

        report.importance = importance(frame, report, target, task)
        report.seconds = round(time.monotonic() - started, 3)
    return report
