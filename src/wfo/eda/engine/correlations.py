"""Correlations on the statistics sample: Pearson and Spearman between numeric columns, Cramér's V between
categorical (and boolean) columns of at most `MAX_CATEGORIES` values. Pairs use the rows where both are set.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from wfo.eda.schemas import Correlations, Warning_

MAX_CATEGORIES = 50
MAX_COLUMNS = 40
HIGH = 0.9

Matrix = dict[str, dict[str, float | None]]


def correlations(
    sample: pl.DataFrame, kinds: dict[str, str], numeric: dict[str, pl.Expr | None]
) -> Correlations:
    numbers = [n for n, k in kinds.items() if k == "numeric" and numeric.get(n) is not None][:MAX_COLUMNS]
    if numbers:
        values = sample.select([numeric[n].alias(n) for n in numbers])  # type: ignore[union-attr]
    else:
        values = pl.DataFrame()
    codes = {n: _codes(sample[n]) for n, k in kinds.items() if k in ("categorical", "boolean")}
    categories = [
        n
        for n, c in codes.items()
        # Two categories at least, at most `MAX_CATEGORIES`; a column of unique values is trivially associated.
        if 2 <= (distinct := int(c.max(initial=-1)) + 1) <= MAX_CATEGORIES and distinct < int((c >= 0).sum())
    ][:MAX_COLUMNS]
    pearson, spearman = _numeric_matrices(values, numbers)
    return Correlations(
        pearson=pearson,
        spearman=spearman,
        cramers_v=_matrix(categories, lambda a, b: cramers_v(codes[a], codes[b])),
    )


def _numeric_matrices(values: pl.DataFrame, names: list[str]) -> tuple[Matrix, Matrix]:
    """Both matrices with numpy: the columns without a missing value in one `corrcoef` each (Spearman as
    Pearson of the average ranks); a pair with a missing value on the rows where both are set."""
    data = {n: values[n].cast(pl.Float64).to_numpy() for n in names}  # a missing value is NaN here
    present = {n: ~np.isnan(data[n]) for n in names}
    order = {n: np.argsort(data[n]) for n in names}  # ties share their average rank: any order of them does
    complete = [n for n in names if present[n].all()]
    whole: tuple[Matrix, Matrix] = ({}, {})
    if complete:
        x = np.column_stack([data[n] for n in complete])
        ranks = np.column_stack([_average_ranks(data[n], order[n]) for n in complete])
        for k, matrix in enumerate((x, ranks)):
            r = _corrcoef(matrix)
            whole[k].update({a: {b: r[i, j] for j, b in enumerate(complete)} for i, a in enumerate(complete)})
    out: tuple[Matrix, Matrix] = ({n: {} for n in names}, {n: {} for n in names})
    for i, a in enumerate(names):
        for b in names[i:]:
            if a == b:
                pair: tuple[float | None, float | None] = (1.0, 1.0)
            elif a in whole[0] and b in whole[0]:
                pair = (whole[0][a][b], whole[1][a][b])
            else:
                both = present[a] & present[b]
                ranks_a, ranks_b = (
                    _average_ranks(data[a], order[a], both),
                    _average_ranks(data[b], order[b], both),
                )
                pair = (_pearson(data[a][both], data[b][both]), _pearson(ranks_a, ranks_b))
            for k, value in enumerate(pair):
                out[k][a][b] = out[k][b][a] = _rounded(value)
    # Keep the source's column order inside each row too.
    return tuple({a: {b: m[a][b] for b in names} for a in names} for m in out)  # type: ignore[return-value]


def _rounded(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(max(-1.0, min(1.0, value)), 6)


def _corrcoef(matrix: np.ndarray) -> np.ndarray:
    """Pearson between the columns of `matrix` (NaN where a column is constant or has under 2 rows)."""
    if matrix.shape[0] < 2:
        return np.full((matrix.shape[1], matrix.shape[1]), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.atleast_2d(np.corrcoef(matrix, rowvar=False))


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2:
        return None
    # Products summed by numpy, not BLAS: OpenBLAS threads a long dot product, and on a busy machine (a
    # worker running other tasks) its threads wait for a core: 7.7 ms a call against 0.07 ms.
    dx, dy = x - x.mean(), y - y.mean()
    spread = math.sqrt(float((dx * dx).sum()) * float((dy * dy).sum()))
    return float((dx * dy).sum()) / spread if spread > 0 else None


def _average_ranks(values: np.ndarray, order: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """The ranks (from 1, ties sharing their average rank) of `values[keep]`, from `order`, the argsort of
    all `values`: a subset's order is the full order filtered, so no pair sorts again."""
    chosen = order if keep is None else order[keep[order]]
    if chosen.size == 0:
        return np.empty(0)
    ordered = values[chosen]
    starts_group = np.empty(chosen.size, dtype=bool)
    starts_group[0] = True
    starts_group[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], chosen.size)
    ranks = np.empty(values.size, dtype=float)
    ranks[chosen] = ((starts + ends + 1) / 2)[np.cumsum(starts_group) - 1]
    return ranks if keep is None else ranks[keep]


def _codes(values: pl.Series) -> np.ndarray:
    """Each value's category as 0, 1, 2, ... in the order of the values; -1 where it is missing."""
    text = values.cast(pl.String)
    # An enum of the values that occur: its physical codes are those numbers (6× faster than a dense rank).
    codes = text.cast(pl.Enum(text.unique().drop_nulls().sort())).to_physical()
    return codes.cast(pl.Int32).fill_null(-1).to_numpy()


def _matrix(names: list[str], pair: object) -> Matrix:
    out: Matrix = {a: {} for a in names}
    for i, a in enumerate(names):
        for b in names[i:]:
            value = 1.0 if a == b else pair(a, b)  # type: ignore[operator]
            out[a][b] = out[b][a] = None if value is None else round(float(value), 6)
    return out


def cramers_v(x: np.ndarray, y: np.ndarray) -> float | None:
    """Cramér's V of two categorical columns given as `_codes` (no bias correction):
    sqrt(chi² / (n · (min(r, c) − 1))), on the rows where both are set."""
    if x.min(initial=0) < 0 or y.min(initial=0) < 0:
        both = (x >= 0) & (y >= 0)
        x, y = x[both], y[both]
    n = x.size
    if n == 0:
        return None
    width = int(y.max()) + 1
    observed = np.bincount(x * width + y, minlength=(int(x.max()) + 1) * width).reshape(-1, width)
    rows, columns = observed.sum(axis=1), observed.sum(axis=0)
    if not (rows.all() and columns.all()):  # only the categories that occur on those rows
        observed = observed[rows > 0][:, columns > 0]
        rows, columns = observed.sum(axis=1), observed.sum(axis=0)
    r, c = observed.shape
    if min(r, c) < 2:
        return None
    expected = np.outer(rows, columns) / n
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return math.sqrt(chi2 / (n * (min(r, c) - 1)))


def high_correlations(corr: Correlations) -> list[Warning_]:
    out: list[Warning_] = []
    for label, matrix in (("Pearson", corr.pearson), ("Cramér's V", corr.cramers_v)):
        names = list(matrix)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                value = matrix[a][b]
                if value is not None and abs(value) >= HIGH:
                    out.append(
                        Warning_(column=a, kind="high_correlation", message=f"{label} {value:.2f} with {b!r}")
                    )
    return out
