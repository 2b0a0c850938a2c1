"""L1 data importance: how much each column tells about a target column.

On an explicit sample (at most `MODEL_ROWS` rows with a target value, every such row when the source is that
small): mutual information per feature, a scikit-learn HistGradientBoosting model with a cross-validated
score, permutation importance on a held-out quarter, and the target per bin of each feature.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.inspection import permutation_importance
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from threadpoolctl import threadpool_limits

from wfo.eda.errors import UnknownTarget
from wfo.eda.schemas import ColumnKind, FeatureImportance, Importance, Report, Sampling, TargetBin

MODEL_ROWS = 50_000
MAX_CATEGORIES = 50  # more frequent values of a categorical feature get a code; the rest share one
REGRESSION_MIN_DISTINCT = 20
TARGET_BINS = 10
SEED = 0
FEATURE_KINDS = ("numeric", "categorical", "boolean", "datetime", "mixed")

Task = Literal["classification", "regression"]


def detect_task(report: Report, target: str) -> Task:
    """Regression for a numeric target with many values; classification otherwise."""
    stats = report.columns[target]
    if stats.kind == "numeric" and stats.distinct > REGRESSION_MIN_DISTINCT:
        return "regression"
    return "classification"


def importance(frame: pl.LazyFrame, report: Report, target: str, task: Task | None = None) -> Importance:
    if target not in report.columns:
        raise UnknownTarget(f"The source has no column {target!r}.")
    if report.columns[target].count == 0:
        raise UnknownTarget(f"The target column {target!r} has no values.")
    detected = detect_task(report, target)
    task = task or detected
    if task == "regression" and report.columns[target].kind != "numeric":
        raise UnknownTarget(
            f"Regression needs a numeric target; {target!r} is {report.columns[target].kind}."
        )
    features = {n: s.kind for n, s in report.columns.items() if n != target and s.kind in FEATURE_KINDS}
    skipped = {
        n: f"{s.kind} column"
        for n, s in report.columns.items()
        if n != target and s.kind not in FEATURE_KINDS
    }
    sample, sampling = _sample(frame, target, report.overview.rows)
    y, positive, classes = _target(sample[target], task, report.columns[target].kind)
    if task == "classification" and classes < 2:
        raise UnknownTarget(f"The target column {target!r} has one class only: nothing to tell apart.")
    matrix = [_encode(sample[n], kind) for n, kind in features.items()]
    x = np.column_stack(matrix) if matrix else np.empty((len(y), 0))
    categorical = np.array(
        [kind in ("categorical", "boolean", "mixed") for kind in features.values()], dtype=bool
    )

    model = _model(task, categorical)
    cv = _folds(task, y)
    metric = "balanced_accuracy" if task == "classification" else "r2"
    # One native thread: OpenMP's spinning threads slow to a crawl on a worker whose cores are shared.
    with threadpool_limits(limits=1):
        scores = cross_val_score(model, x, y, cv=cv, scoring=metric) if x.shape[1] else np.array([0.0])
        mi = _mutual_information(x, y, categorical, task)
        perm_mean, perm_std = _permutation(model, x, y, task, metric)

    out = [
        FeatureImportance(
            feature=name,
            kind=kind,
            mutual_information=round(float(mi[i]), 6),
            permutation_importance=round(float(perm_mean[i]), 6),
            permutation_importance_std=round(float(perm_std[i]), 6),
            rank=0,
            target_by_bin=_by_bin(sample[name], kind, y, task),
        )
        for i, (name, kind) in enumerate(features.items())
    ]
    out.sort(key=lambda f: (-f.permutation_importance, -f.mutual_information, f.feature))
    for rank, feature in enumerate(out, start=1):
        feature.rank = rank
    return Importance(
        target=target,
        task=task,
        task_detected=detected,
        positive_class=positive,
        classes=classes if task == "classification" else None,
        model=type(model).__name__,
        cv_metric=metric,
        cv_scores=[round(float(s), 6) for s in scores],
        cv_score_mean=round(float(np.mean(scores)), 6),
        sampling=sampling,
        features=out,
        skipped=skipped,
    )


def _sample(frame: pl.LazyFrame, target: str, rows: int) -> tuple[pl.DataFrame, Sampling]:
    with_target = frame.filter(pl.col(target).is_not_null())
    if rows <= MODEL_ROWS:
        sample = with_target.collect(engine="streaming")
        return sample, Sampling(
            rows_total=rows, rows_used=sample.height, method="every row with a target value"
        )
    step = math.ceil(rows / MODEL_ROWS)
    sample = (
        with_target.with_row_index("__wfo_row")
        .filter(pl.col("__wfo_row").hash(seed=SEED) % step == 0)
        .drop("__wfo_row")
        .collect(engine="streaming")
    )
    method = f"rows with a target value whose index hashes to 0 modulo {step} (about 1 in {step})"
    return sample, Sampling(rows_total=rows, rows_used=sample.height, method=method)


def _target(values: pl.Series, task: Task, kind: ColumnKind) -> tuple[np.ndarray, str | None, int]:
    if task == "regression":
        return values.cast(pl.Float64, strict=False).to_numpy().astype(float), None, 0
    labels = values.cast(pl.String)
    counts = labels.value_counts(sort=True, name="n")
    order = sorted(counts.rows(), key=lambda r: (r[1], str(r[0])))  # rarest first
    codes = {label: i for i, (label, _) in enumerate(sorted(order, key=lambda r: str(r[0])))}
    y = np.array([codes[v] for v in labels.to_list()], dtype=np.int64)
    return y, str(order[0][0]), len(codes)


def _encode(values: pl.Series, kind: str) -> np.ndarray:
    """A float column for the model: numbers as they are, datetimes as seconds, categories as codes."""
    if kind == "numeric":
        return values.cast(pl.Float64, strict=False).to_numpy().astype(float)
    if kind == "datetime":
        when = values.str.to_datetime(strict=False) if values.dtype == pl.String else values.cast(pl.Datetime)
        return (when.cast(pl.Datetime("us")).cast(pl.Int64) / 1_000_000).to_numpy().astype(float)
    text = values.cast(pl.String)
    top = text.drop_nulls().value_counts(sort=True, name="n").head(MAX_CATEGORIES)[text.name].to_list()
    codes = {v: float(i) for i, v in enumerate(sorted(top))}
    rare = float(len(codes))
    return np.array([math.nan if v is None else codes.get(v, rare) for v in text.to_list()], dtype=float)


def _model(
    task: Task, categorical: np.ndarray
) -> HistGradientBoostingClassifier | HistGradientBoostingRegressor:
    mask = categorical if categorical.any() else None
    if task == "classification":
        return HistGradientBoostingClassifier(categorical_features=mask, random_state=SEED)
    return HistGradientBoostingRegressor(categorical_features=mask, random_state=SEED)


def _folds(task: Task, y: np.ndarray) -> KFold | StratifiedKFold:
    if task == "classification":
        smallest = int(np.bincount(y).min())
        return StratifiedKFold(n_splits=max(2, min(5, smallest)), shuffle=True, random_state=SEED)
    return KFold(n_splits=max(2, min(5, len(y) // 2)), shuffle=True, random_state=SEED)


def _mutual_information(x: np.ndarray, y: np.ndarray, categorical: np.ndarray, task: Task) -> np.ndarray:
    if not x.shape[1]:
        return np.zeros(0)
    filled = x.copy()
    for j in range(x.shape[1]):  # mutual information takes no missing values: their own code, or the median
        column = filled[:, j]
        missing = np.isnan(column)
        if missing.all():
            column[:] = 0.0
        elif missing.any():
            column[missing] = np.nanmax(column) + 1 if categorical[j] else np.nanmedian(column)
    if task == "classification":
        return mutual_info_classif(filled, y, discrete_features=categorical, random_state=SEED)
    return mutual_info_regression(filled, y, discrete_features=categorical, random_state=SEED)


def _permutation(
    model: HistGradientBoostingClassifier | HistGradientBoostingRegressor,
    x: np.ndarray,
    y: np.ndarray,
    task: Task,
    metric: str,
) -> tuple[np.ndarray, np.ndarray]:
    if not x.shape[1]:
        return np.zeros(0), np.zeros(0)
    stratify = y if task == "classification" and int(np.bincount(y).min()) >= 2 else None
    x_fit, x_held, y_fit, y_held = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=stratify
    )
    model.fit(x_fit, y_fit)
    result = permutation_importance(model, x_held, y_held, scoring=metric, n_repeats=5, random_state=SEED)
    return result.importances_mean, result.importances_std


def _by_bin(values: pl.Series, kind: str, y: np.ndarray, task: Task) -> list[TargetBin]:
    """Mean target (regression) or the share of the rarest class (code 0 after `_target`'s order)."""
    outcome = y.astype(float) if task == "regression" else (y == _rarest(y)).astype(float)
    frame = pl.DataFrame({"v": values, "t": outcome})
    if kind in ("numeric", "datetime"):
        x = _encode(values, kind)
        frame = pl.DataFrame({"x": x, "t": outcome}).filter(pl.col("x").is_not_nan())
        if frame.is_empty():
            return []
        lo, hi = float(frame["x"].min()), float(frame["x"].max())  # type: ignore[arg-type]
        width = (hi - lo) / TARGET_BINS or 1.0
        grouped = (
            frame.with_columns(((pl.col("x") - lo) / width).floor().clip(0, TARGET_BINS - 1).alias("b"))
            .group_by("b")
            .agg(pl.len().alias("rows"), pl.col("t").mean().alias("target"))
            .sort("b")
        )
        return [
            TargetBin(label=_range(lo + b * width, lo + (b + 1) * width, kind), rows=n, target=round(t, 6))
            for b, n, t in grouped.iter_rows()
        ]
    grouped = (
        frame.with_columns(pl.col("v").cast(pl.String).fill_null("(missing)"))
        .group_by("v")
        .agg(pl.len().alias("rows"), pl.col("t").mean().alias("target"))
        .sort(["rows", "v"], descending=[True, False])
        .head(TARGET_BINS)
    )
    return [TargetBin(label=str(v), rows=n, target=round(t, 6)) for v, n, t in grouped.iter_rows()]


def _rarest(y: np.ndarray) -> int:
    counts = np.bincount(y)
    return int(np.argmin(np.where(counts > 0, counts, counts.max() + 1)))


def _range(a: float, b: float, kind: str) -> str:
    if kind == "datetime":
        from datetime import UTC, datetime

        return f"{datetime.fromtimestamp(a, UTC):%Y-%m-%d} – {datetime.fromtimestamp(b, UTC):%Y-%m-%d}"
    return f"{a:.4g} – {b:.4g}"
