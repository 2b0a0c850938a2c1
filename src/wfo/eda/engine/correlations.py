"""Correlations on the statistics sample: Pearson and Spearman between numeric columns, Cramér's V between
categorical (and boolean) columns of at most `MAX_CATEGORIES` values. Pairs use the rows where both are set.
"""

from __future__ import annotations

import math

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
    categories = [
        n
        for n, k in kinds.items()
        if k in ("categorical", "boolean")
        and 2 <= _distinct(sample[n]) <= MAX_CATEGORIES
        and _distinct(sample[n]) < sample[n].count()  # a column of unique values is trivially associated
    ][:MAX_COLUMNS]
    pearson, spearman = _numeric_matrices(values, numbers)
    return Correlations(
        pearson=pearson,
        spearman=spearman,
        cramers_v=_matrix(categories, lambda a, b: cramers_v(sample[a], sample[b])),
    )


def _numeric_matrices(values: pl.DataFrame, names: list[str]) -> tuple[Matrix, Matrix]:
    """Both matrices in one query (polars drops the rows where either value is missing, pair by pair)."""
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    exprs = [
        pl.corr(names[i], names[j], method=method).alias(f"{method}|{i}|{j}")
        for i, j in pairs
        for method in ("pearson", "spearman")
    ]
    row = values.select(exprs).row(0, named=True) if exprs else {}
    out: tuple[Matrix, Matrix] = ({n: {n: 1.0} for n in names}, {n: {n: 1.0} for n in names})
    for k, method in enumerate(("pearson", "spearman")):
        for i, j in pairs:
            value = row[f"{method}|{i}|{j}"]
            usable = value is not None and math.isfinite(value)
            out[k][names[i]][names[j]] = out[k][names[j]][names[i]] = round(value, 6) if usable else None
    # Keep the source's column order inside each row too.
    return tuple({a: {b: m[a][b] for b in names} for a in names} for m in out)  # type: ignore[return-value]


def _distinct(values: pl.Series) -> int:
    return values.drop_nulls().n_unique()


def _matrix(names: list[str], pair: object) -> Matrix:
    out: Matrix = {a: {} for a in names}
    for i, a in enumerate(names):
        for b in names[i:]:
            value = 1.0 if a == b else pair(a, b)  # type: ignore[operator]
            out[a][b] = out[b][a] = None if value is None else round(float(value), 6)
    return out


def cramers_v(x: pl.Series, y: pl.Series) -> float | None:
    """Cramér's V of two categorical series (no bias correction): sqrt(chi² / (n · (min(r, c) − 1)))."""
    both = pl.DataFrame({"x": x.cast(pl.String), "y": y.cast(pl.String)}).drop_nulls()
    n = both.height
    table = both.group_by("x", "y").len().pivot(on="y", index="x", values="len").fill_null(0)
    observed = table.drop("x").to_numpy().astype(float)
    r, c = observed.shape
    if n == 0 or min(r, c) < 2:
        return None
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / n
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
