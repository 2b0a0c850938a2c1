"""One EDA run on the engine: the L0 report of a source, with the L1 importance for a data-importance run."""

from __future__ import annotations

import os
import time
from typing import Literal

import polars as pl

from wfo.eda.engine.profile import profile, read_and_profile
from wfo.eda.errors import UnknownTarget
from wfo.eda.schemas import Report, ReportKind

Task = Literal["classification", "regression"]


def analyse_file(
    path: str | os.PathLike[str],
    *,
    source: str,
    kind: ReportKind = "preliminary",
    target: str | None = None,
    task: Task | None = None,
) -> Report:
    started = time.monotonic()
    report, frame = read_and_profile(path, source=source, kind=kind)
    return _with_importance(report, frame, kind, target, task, started)


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
