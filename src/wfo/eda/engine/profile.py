"""L0 statistics of a frame in one read of the source.

A source that fits in memory comes as a `DataFrame` (parsed once, profiled as one batch), a larger one as a
lazy frame read once in batches of `BATCH_ROWS` rows. Every statistic adds up over batches:

* what the first `HEAD_ROWS` rows say a text column could be (numbers, booleans, ISO dates) chooses what is
  checked over every row; the counts over every row then decide its kind (`_decide_type`). The one guess that
  can need a second read: a column whose first rows are all ISO dates of one format (parsed with it, the
  cheap check) and a later value is not;
* counts, missing values, min/max, text lengths, zeros and negatives: sums, minima and maxima;
* mean and central moments: sums of the powers of each value's distance from a centre (the mean of the first
  rows, so the sums do not cancel), turned into central moments at the end;
* histograms: counts on a fine grid, coarsened as the range grows (`bins.FineGrid`), whose cells make up
  the report's round-edged bins (`bins.histogram_bins`);
* distinct values: exact value counts while there are at most `DISTINCT_EXACT_BOUND` of them (the top values
  too), then a sample of the values' 64-bit hashes that keeps those under a threshold halved as needed
  (`_DistinctHashes`: exact while nothing is dropped, about 1 % off past it);
* duplicate rows: the 64-bit row hashes, counted in memory, or streamed on disk split by value (`_DistinctRows`);
* a sample of the rows whose index hashes to 0 modulo a power of two (at most `SAMPLE_ROWS` rows: every row when
  the source is that small), for the quantiles, correlations and the top values of high-cardinality columns.

Memory depends on `SAMPLE_ROWS`, `BATCH_ROWS`, `DISTINCT_EXACT_BOUND` and `bins.FINE_CELLS`, not on the number
of rows.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from wfo.eda.engine.bins import SNAP, FineGrid, decimal_cell, histogram_bins, scaling, time_cell
from wfo.eda.engine.correlations import correlations, high_correlations
from wfo.eda.engine.frames import load_file
from wfo.eda.errors import UnreadableSource
from wfo.eda.schemas import (
    Bin,
    ColumnKind,
    ColumnStats,
    Correlations,
    Overview,
    Quantiles,
    Report,
    Sampling,
    TextLengths,
    ValueCount,
    Warning_,
)
from wfo.settings import DEFAULT_EDA_IN_MEMORY_BYTES

SAMPLE_ROWS = 100_000
SAMPLE_SEED = 20261203
HASH_SEED = 7
DUPLICATES_MAX_ROWS = 20_000_000  # the Spark engine's bound (a shuffle); the polars engine counts them all
HASH_BITS = 6  # the top bits of a row hash that choose its file (`_DistinctRows`)
HASH_BUCKETS = 1 << HASH_BITS
HASH_FILE_SLACK = 64 * 1024  # what a file may take on disk beyond its bytes (blocks, metadata)
HEAD_ROWS = 1_000
BATCH_ROWS = 250_000
BATCH_BYTES = 32 << 20  # fewer rows a batch when they are wide (`_batch_rows`)
COLLECT_TOGETHER = 16
DISTINCT_EXACT_BOUND = 10_000
TOP_VALUES = 10
SHOWN_ROWS = 10
CATEGORICAL_MAX_DISTINCT = 50
ID_MIN_ROWS = 10
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
TRUE_FALSE = ["true", "false", "True", "False", "TRUE", "FALSE"]
MISSING_WARN_SHARE = 0.2
SKEW_WARN = 3.0
IMBALANCE_SHARE = 0.9
_SUMS = (
    "count", "numbers", "integers", "booleans", "dates", "parsed", "zeros", "negatives", "len_sum", "sum",
    "n", "finite", "d1", "d2", "d3", "d4",
)  # fmt: skip
_MINIMA = ("len_min", "text_min", "min", "when_min")
_MAXIMA = ("len_max", "text_max", "max", "when_max")


@dataclass
class _Column:
    """What the read learns about one column; `key` names its aggregates in the queries."""

    name: str
    key: str
    dtype: pl.DataType
    kind: ColumnKind = "empty"
    first: dict[str, Any] = field(default_factory=dict)
    second: dict[str, Any] = field(default_factory=dict)
    numeric: pl.Expr | None = None
    integer: bool = False
    distinct: int = 0
    distinct_exact: bool = False
    top: list[ValueCount] = field(default_factory=list)
    top_exact: bool = True
    sampled: np.ndarray | None = None  # a numeric column's numbers in the sample (missing ones left out)
    bins: list[tuple[float, float]] = field(default_factory=list)

    @property
    def raw(self) -> pl.Expr:
        return pl.col(self.name)

    @property
    def is_text(self) -> bool:
        return self.dtype == pl.String


@dataclass
class _Plan:
    """What the read computes for a column, from its first rows; and what it has added up so far."""

    column: _Column
    maybe_number: bool
    maybe_boolean: bool
    maybe_date: bool
    date_format: str | None
    centre: float = 0.0  # the moments' centre
    totals: dict[str, Any] = field(default_factory=dict)
    counts: pl.DataFrame | None = None  # exact value counts while there are few
    pending: list[pl.DataFrame] = field(default_factory=list)  # batches' counts not yet added to them
    hashes: _DistinctHashes | None = None  # else the distinct values' hash sample
    grid: FineGrid | None = None

    @property
    def temporal(self) -> bool:
        dtype = self.column.dtype
        return self.maybe_date or dtype == pl.Date or isinstance(dtype, pl.Datetime)

    def number(self) -> pl.Expr:
        c = self.column
        x = c.raw.cast(pl.Float64, strict=not c.is_text)
        return x.fill_nan(None) if c.is_text or c.dtype.is_float() else x

    def micros(self) -> pl.Expr:
        c = self.column
        when = c.raw.str.to_datetime(format=self.date_format, strict=False) if c.is_text else c.raw
        return when.cast(pl.Datetime("us"))


class _Reread(Exception):
    """The first rows misled the read: it runs again with what the whole source showed."""


def profile(source_frame: pl.LazyFrame | pl.DataFrame, *, source: str, kind: str = "preliminary") -> Report:
    """The L0 report of a frame (see the module's docstring)."""
    started = time.monotonic()
    data = source_frame if isinstance(source_frame, pl.DataFrame) else None
    frame = source_frame.lazy()
    schema = frame.collect_schema()
    columns = [_Column(name, f"c{i}", dtype) for i, (name, dtype) in enumerate(schema.items())]
    if not columns:
        return empty_report(source, kind, started)
    head = data.head(HEAD_ROWS) if data is not None else frame.head(HEAD_ROWS).collect()
    general_dates: set[str] = set()
    batch_rows = _batch_rows(head)
    while True:
        plans = [_plan(c, head, c.name in general_dates) for c in columns]
        try:
            result = _read(frame, data, plans, batch_rows)
            break
        except _Reread as misled:
            general_dates |= set(misled.args[0])
    rows, sample, step, duplicates, not_counted = result
    for p in plans:
        _finish_column(p, rows)
    method = "all rows" if step == 1 else (
        f"rows whose index hashes to 0 modulo {step} (about 1 in {step}, spread over the whole source)"
    )  # fmt: skip
    sampling = Sampling(rows_total=rows, rows_used=sample.height, method=method)
    read_sample(sample, columns, sample.height == rows)
    stats = {c.name: _column_stats(c, rows, sample.height == rows) for c in columns}
    corr = correlations(sample, {c.name: c.kind for c in columns}, {c.name: c.numeric for c in columns})
    return assemble_report(
        kind, source, f"polars {pl.__version__}", started, rows, len(columns), stats, corr, duplicates,
        sample, sampling, head.head(SHOWN_ROWS), not_counted,
    )  # fmt: skip


def empty_report(source: str, kind: str, started: float) -> Report:
    return Report(
        kind=kind,  # type: ignore[arg-type]
        source=source,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        engine=f"polars {pl.__version__}",
        seconds=round(time.monotonic() - started, 3),
        overview=Overview(
            rows=0,
            columns=0,
            missing_cells=0,
            missing_share=0.0,
            duplicate_rows=0,
            memory_bytes=0,
            kinds={},
        ),
        columns={},
        correlations=correlations(pl.DataFrame(), {}, {}),
        warnings=[Warning_(column=None, kind="empty", message="The source has no columns and no rows.")],
        sample=[],
        statistics_sampling=Sampling(rows_total=0, rows_used=0, method="all rows"),
    )


# --- the read ------------------------------------------------------------------------------------------


def _plan(c: _Column, head: pl.DataFrame, general_dates: bool) -> _Plan:
    """What to compute for `c` over every row, from what its first rows are: a text column is checked for
    numbers always (a mostly numeric column is "mixed"), for booleans and ISO dates only when every one of its
    first rows is one (a column of no value yet is checked for all)."""
    seen = head[c.name].drop_nulls()
    maybe_number = c.dtype.is_numeric()
    maybe_boolean = maybe_date = False
    date_format = None
    if c.is_text:
        maybe_number = seen.cast(pl.Float64, strict=False).fill_nan(None).null_count() == 0
        maybe_boolean = bool(seen.is_in(TRUE_FALSE).all())
        maybe_date = bool(seen.str.contains(ISO_DATE).all())
        if maybe_date and seen.len() and not general_dates and (seen.str.len_chars() == 10).all():
            date_format = "%Y-%m-%d"  # dates alone have one format; polars' guess per value is 8× slower
    plan = _Plan(c, maybe_number, maybe_boolean, maybe_date, date_format)
    if maybe_number or plan.temporal:
        plan.grid = FineGrid(temporal=not maybe_number)
        found = head.lazy().select(_grid_value(plan).alias("v")).drop_nulls().collect().to_series()
        if found.len():
            lo, hi = float(found.min()), float(found.max())  # type: ignore[arg-type]
            _coarsen_for(plan, lo, hi)
            plan.centre = float(found.mean()) if maybe_number else 0.0  # type: ignore[arg-type]
    if head.height == HEAD_ROWS and seen.len() == head.height and seen.n_unique() == seen.len():
        plan.hashes = _DistinctHashes()  # every first row differs: many values, no exact counts
    return plan


def _read(
    frame: pl.LazyFrame, data: pl.DataFrame | None, plans: list[_Plan], batch_rows: int
) -> tuple[int, pl.DataFrame, int, int | None, str | None]:
    """Every batch added up: the rows, the sample and its step, the duplicate rows (or why not counted)."""
    if data is not None:
        return _read_in_memory(data, plans)
    return _read_streamed(frame, plans, batch_rows)


def _read_in_memory(
    data: pl.DataFrame, plans: list[_Plan]
) -> tuple[int, pl.DataFrame, int, int | None, str | None]:
    # In batches too: a column found to have many values after the first stops being counted exactly.
    rows = data.height
    step = _sample_step(rows)
    parts = [_add_batch(part, plans, step, offset) for offset, part in _slices(data)]
    _check(plans)
    sample = pl.concat(parts).drop("__wfo_row")
    return rows, sample, step, rows - data.hash_rows(seed=0).n_unique(), None


def _read_streamed(
    frame: pl.LazyFrame, plans: list[_Plan], batch_rows: int
) -> tuple[int, pl.DataFrame, int, int | None, str | None]:
    state = {"rows": 0, "step": 1}
    parts: list[pl.DataFrame] = []

    def add(read: pl.DataFrame) -> None:
        seen.add(read)
        first = not state["rows"]
        for batch in [read.head(_probe_rows()), read.slice(_probe_rows())] if first else [read]:
            state["rows"] += batch.height
            step = _sample_step(state["rows"])
            if step > state["step"]:  # a sparser sample: the rows kept so far thinned to it
                state["step"] = step
                parts[:] = [p.filter(_kept(step)) for p in parts]
            parts.append(_add_batch(batch, plans, step, state["rows"] - batch.height))

    with tempfile.TemporaryDirectory(prefix="wfo-eda-rows-") as folder:
        seen = _DistinctRows(Path(folder))
        try:
            # The engine waits for each batch's statistics before it reads on: `collect_batches` read ahead
            # while they ran, ~250 MB more on a file of 400-byte rows.
            frame.sink_batches(add, chunk_size=batch_rows)
        finally:
            seen.close()
        _check(plans)
        distinct = seen.count()
    rows = state["rows"]
    sample = pl.concat(parts).drop("__wfo_row") if parts else frame.clear().collect()
    return rows, sample, state["step"], None if distinct is None else rows - distinct, seen.not_counted


def _batch_rows(head: pl.DataFrame) -> int:
    """`BATCH_ROWS`, or fewer when the first rows say that many would take over `BATCH_BYTES` in memory: the
    memory a streamed read takes grows with the batch."""
    if not head.height:
        return BATCH_ROWS
    row_bytes = max(head.estimated_size() / head.height, 1.0)
    return max(min(BATCH_ROWS, int(BATCH_BYTES / row_bytes)), 2 * _probe_rows())


def _slices(data: pl.DataFrame) -> list[tuple[int, pl.DataFrame]]:
    """The frame as two batches: its first `_probe_rows` rows, then the rest (in memory, one batch of every
    row runs in parallel better than many: 1.6 s against 2.0 s for a report of 1 M rows)."""
    probe = _probe_rows()
    if data.height <= probe:
        return [(0, data)]
    return [(0, data.head(probe)), (probe, data.slice(probe))]


def _probe_rows() -> int:
    """A first batch this small finds most columns of many values at little cost: past
    `DISTINCT_EXACT_BOUND` values, a column's exact counts (a group-by of every row) give way to the hash
    sample."""
    return 2 * DISTINCT_EXACT_BOUND


def _sample_step(rows: int) -> int:
    """The power of two that keeps at most `SAMPLE_ROWS` of `rows` rows (1 for every row)."""
    return 1 << max(math.ceil(math.log2(rows / SAMPLE_ROWS)), 0) if rows > SAMPLE_ROWS else 1


def _kept(step: int) -> pl.Expr:
    return pl.col("__wfo_row").hash(seed=SAMPLE_SEED) % step == 0


def _check(plans: list[_Plan]) -> None:
    for p in plans:
        if p.pending:
            _merge_counts(p)
        if p.counts is not None:
            _fold_counts(p, p.counts)
    misled = [p.column.name for p in plans if p.date_format and p.totals.get("count", 0) > p.totals["parsed"]]
    if misled:
        raise _Reread(misled)


def _add_batch(batch: pl.DataFrame, plans: list[_Plan], step: int, offset: int) -> pl.DataFrame:
    """The batch's statistics added to the plans' totals; its sample rows (with their index in the source)."""
    lazy = batch.lazy()
    # A column still counted exactly gets its group-by alone: its other statistics come from its value
    # counts once (`_fold_counts`), not from every row.
    counting = [p for p in plans if p.hashes is None]
    hashing = [p for p in plans if p.hashes is not None]
    derived: list[pl.Expr] = []
    exprs: list[pl.Expr] = [pl.len().alias("rows")]
    for p in hashing:
        assert p.hashes is not None
        p.hashes.expect(batch.height, offset)
        derived += _derived(p)
        exprs += _aggregates(p)
    gridded = [p for p in hashing if p.grid is not None and p.grid.level is not None]
    # The lists of distinct hashes and of cells are in the one row of aggregates (imploded): the derived
    # columns are computed once, and the expressions of one query run in parallel.
    exprs += [_distinct_hashes(p) for p in hashing]
    exprs += [_cells(p).drop_nulls().implode().alias(f"{p.column.key}|cells") for p in gridded]
    queries = [lazy.with_columns(derived).select(exprs)]
    queries += [_value_counts(lazy, p.column) for p in counting]
    sample = lazy.with_row_index("__wfo_row", offset=offset)
    queries.append(
        (sample.filter(_kept(step)) if step > 1 else sample).with_columns(pl.col(pl.String) + pl.lit(""))
    )
    # A kept string is a view into the batch it was read in, which it would keep alive: 1 row in 27 of a
    # 1 GB file kept the whole gigabyte. Its copy (+ "") lets the batch go.
    results = _collect(queries)
    lists = results[0].select(pl.col(pl.List)) if hashing or gridded else pl.DataFrame()
    totals = results[0].select(pl.exclude(pl.List)).row(0, named=True)
    for p in hashing:
        assert p.hashes is not None
        batch_totals = {k.split("|", 1)[1]: v for k, v in totals.items() if k.startswith(p.column.key + "|")}
        _add_totals(p, batch_totals)
        p.hashes.add(lists[f"{p.column.key}|hashes"].explode().drop_nulls().to_numpy())
        if p.grid is not None:
            values = batch_totals.get("parsed" if p.grid.temporal else "finite") or 0
            cells = lists[f"{p.column.key}|cells"].explode().drop_nulls() if p in gridded else None
            if cells is not None and cells.len() == values:
                p.grid.add(cells.to_numpy())
            elif values:  # no cell size yet, or a value too far for it: the batch's range sets one
                _regrid(p, lazy)
    for p, counts in zip(counting, results[1 : 1 + len(counting)], strict=True):
        _add_counts(p, counts)
    return results[-1]


def _derived(p: _Plan) -> list[pl.Expr]:
    k, out = p.column.key, []
    if p.column.is_text:
        out.append(p.column.raw.str.len_chars().alias(f"{k}#len"))
        out.append(p.number().alias(f"{k}#x"))
    elif p.maybe_number:
        out.append(p.number().alias(f"{k}#x"))
    if p.temporal:
        out.append(p.micros().alias(f"{k}#t"))
    return out


def _aggregates(p: _Plan, weight: pl.Expr | None = None) -> list[pl.Expr]:
    """The column's sums, minima and maxima over a batch's rows, or over its value counts with each value
    weighted by its count (`weight`)."""
    c, k = p.column, p.column.key
    col = c.raw

    def count(values: pl.Expr) -> pl.Expr:  # of the values that are not null
        return values.count() if weight is None else weight.filter(values.is_not_null()).sum()

    def total(values: pl.Expr) -> pl.Expr:
        return values.sum() if weight is None else (values * weight).sum()

    def holds(condition: pl.Expr) -> pl.Expr:
        return total(condition.cast(pl.Int64))

    out = [count(col).alias(f"{k}|count")]
    if c.is_text:
        lengths, number = pl.col(f"{k}#len"), pl.col(f"{k}#x")
        out += [
            lengths.min().alias(f"{k}|len_min"),
            lengths.max().alias(f"{k}|len_max"),
            total(lengths).alias(f"{k}|len_sum"),
            count(number).alias(f"{k}|numbers"),
        ]
        if p.maybe_boolean:
            out.append(holds(col.is_in(TRUE_FALSE)).alias(f"{k}|booleans"))
        if p.maybe_date:
            out += [col.min().alias(f"{k}|text_min"), col.max().alias(f"{k}|text_max")]
            # With the first rows' one format, a value that parses is an ISO date (a later one that does
            # not makes `_check` read again without it).
            dates = count(pl.col(f"{k}#t")) if p.date_format else holds(col.str.contains(ISO_DATE))
            out.append(dates.alias(f"{k}|dates"))
    if p.maybe_number:
        x = pl.col(f"{k}#x")
        d = x - p.centre
        out += [
            count(x).alias(f"{k}|n"),
            holds(x.is_finite()).alias(f"{k}|finite"),
            x.min().alias(f"{k}|min"),
            x.max().alias(f"{k}|max"),
            total(x).alias(f"{k}|sum"),
            total(d).alias(f"{k}|d1"),
            total(d * d).alias(f"{k}|d2"),
            total(d * d * d).alias(f"{k}|d3"),
            total(d * d * d * d).alias(f"{k}|d4"),
            holds(x == 0).alias(f"{k}|zeros"),
            holds(x < 0).alias(f"{k}|negatives"),
        ]
        if c.is_text:
            out.append(holds(x == x.round(0)).alias(f"{k}|integers"))
    if p.temporal:
        t = pl.col(f"{k}#t")
        out += [count(t).alias(f"{k}|parsed"), t.min().alias(f"{k}|when_min"), t.max().alias(f"{k}|when_max")]
    return out


def _add_totals(p: _Plan, batch: dict[str, Any]) -> None:
    totals = p.totals
    for name, value in batch.items():
        if name in _SUMS:
            totals[name] = totals.get(name, 0) + (value or 0)
        elif name in _MINIMA or name in _MAXIMA:
            if value is not None:
                old = totals.get(name)
                better = min if name in _MINIMA else max
                totals[name] = value if old is None else better(old, value)


def _value_counts(part: pl.LazyFrame, c: _Column) -> pl.LazyFrame:
    """The column's values and how often each occurs. A float is also grouped by its sign at zero, which
    its text tells apart (0.0 and -0.0) and its value does not."""
    if not c.dtype.is_float():
        return part.select(c.raw.alias("value")).drop_nulls().group_by("value").agg(pl.len().alias("count"))
    negative_zero = ((c.raw == 0) & (1 / c.raw < 0)).alias("negative_zero")
    return (
        part.select(c.raw.alias("value"), negative_zero)
        .drop_nulls("value")
        .group_by("value", "negative_zero")
        .agg(pl.len().alias("count"))
    )


def _as_text(counts: pl.LazyFrame) -> pl.LazyFrame:
    """Value counts with their values as the report's text (one conversion per distinct value)."""
    value = pl.col("value").cast(pl.String)
    if "negative_zero" in counts.collect_schema():
        value = pl.when(pl.col("negative_zero")).then(pl.lit("-0.0")).otherwise(value)
    return counts.select(value.alias("value"), "count")


def _add_counts(p: _Plan, counts: pl.DataFrame) -> None:
    """A batch's value counts added up (once their rows could pass `DISTINCT_EXACT_BOUND` values: a column
    of few values merges them at the end); past it, the hash sample takes over."""
    p.pending.append(counts)
    if sum(part.height for part in p.pending) + (p.counts.height if p.counts is not None else 0) > (
        DISTINCT_EXACT_BOUND
    ):
        _merge_counts(p)


def _merge_counts(p: _Plan) -> None:
    parts = [p.counts, *p.pending] if p.counts is not None else p.pending
    keys = [name for name in parts[0].columns if name != "count"]
    counts = pl.concat(parts).group_by(keys).agg(pl.col("count").sum()) if len(parts) > 1 else parts[0]
    p.pending = []
    if counts.height <= DISTINCT_EXACT_BOUND:
        p.counts = counts
        return
    _fold_counts(p, counts)
    p.counts, p.hashes = None, _DistinctHashes()
    p.hashes.add(counts["value"].hash(seed=HASH_SEED).unique().to_numpy())


def _fold_counts(p: _Plan, counts: pl.DataFrame) -> None:
    """The statistics of the rows counted so far (`counts`: each value once, with its count) added to the
    totals and the grid, as their rows would have added them."""
    weight = pl.col("__wfo_weight")
    # In the values' order: the sums do not depend on the order the group-by happened to give.
    counts = counts.sort([name for name in counts.columns if name != "count"])
    frame = counts.lazy().select(pl.col("value").alias(p.column.name), pl.col("count").alias("__wfo_weight"))
    exprs = _aggregates(p, weight)
    if p.grid is not None:
        exprs.append(_grid_value(p).min().alias("__wfo_lo"))
        exprs.append(_grid_value(p).max().alias("__wfo_hi"))
    found = frame.with_columns(_derived(p)).select(exprs).collect().row(0, named=True)
    _add_totals(p, {k.split("|", 1)[1]: v for k, v in found.items() if k.startswith(p.column.key + "|")})
    grid = p.grid
    if grid is None or found["__wfo_lo"] is None:
        return
    lo, hi = float(found["__wfo_lo"]), float(found["__wfo_hi"])
    _coarsen_for(p, lo, hi)
    cells = frame.with_columns(_derived(p)).select(_cells(p).alias("cell"), weight).drop_nulls().collect()
    grid.add(cells["cell"].to_numpy(), cells["__wfo_weight"].to_numpy())


def _distinct_hashes(p: _Plan) -> pl.Expr:
    """The batch's distinct hashes of the column's values that `p.hashes` keeps, as one list."""
    assert p.hashes is not None
    h = p.column.raw.drop_nulls().hash(seed=HASH_SEED)
    if p.hashes.level:
        h = h.filter(h < p.hashes.limit)
    return h.unique().implode().alias(f"{p.column.key}|hashes")


class _DistinctHashes:
    """The number of distinct values from their 64-bit hashes: the distinct hashes under 2^(64 - level) are
    kept, and when they are more than `2 × DISTINCT_EXACT_BOUND` the level goes up (the threshold halves),
    so each value is kept with probability 2^-level and the count is the kept ones × 2^level: exact at
    level 0, else with a relative error of about 1/√kept (1 % at the bound)."""

    def __init__(self) -> None:
        self.level = 0
        self.kept = np.zeros(0, dtype=np.uint64)

    @property
    def limit(self) -> int:
        return 1 << (64 - self.level)

    def expect(self, rows: int, seen: int) -> None:
        """Before a batch of `rows` rows, after `seen` rows: a level under which the values so far and the
        batch's (new ones at the rate so far; every one new for a column whose first rows all differ) keep
        at most `2 × DISTINCT_EXACT_BOUND` hashes, so no batch sends many that are then dropped."""
        rate = self.estimate() / seen if seen and self.kept.size else 1.0
        expected = self.estimate() + rate * rows
        if expected > 2 * DISTINCT_EXACT_BOUND:
            self.level = max(self.level, math.ceil(math.log2(expected / (2 * DISTINCT_EXACT_BOUND))))
            self.kept = self.kept[self.kept < np.uint64(self.limit)]

    def add(self, hashes: np.ndarray) -> None:
        if self.level:
            hashes = hashes[hashes < np.uint64(self.limit)]
        self.kept = np.union1d(self.kept, hashes.astype(np.uint64))
        while self.kept.size > 2 * DISTINCT_EXACT_BOUND:
            self.level += 1
            self.kept = self.kept[self.kept < np.uint64(self.limit)]

    def estimate(self) -> int:
        return int(self.kept.size) << self.level


def _grid_value(p: _Plan) -> pl.Expr:
    """What the column's grid counts: its finite numbers, or its datetimes in µs."""
    if p.maybe_number:
        x = p.number()
        return pl.when(x.is_finite()).then(x)
    return p.micros().cast(pl.Int64)


def _coarsen_for(p: _Plan, lo: float, hi: float) -> None:
    """The column's grid made coarse enough for values from `lo` to `hi` and those it has counted so far."""
    grid = p.grid
    assert grid is not None
    if grid.level is not None and grid.counts.size:
        lo, hi = min(lo, grid.low * grid.cell), max(hi, (grid.low + grid.counts.size) * grid.cell)
    level = decimal_cell(lo, hi, p.column.dtype.is_integer()) if p.maybe_number else time_cell(lo, hi)
    grid.coarsen(level)


def _cells(p: _Plan) -> pl.Expr:
    """Each value's cell of the column's fine grid (`bins`: ⌊x / cell + SNAP⌋, µs // cell for a datetime);
    null for a missing or infinite value, or one too far from 0 to index."""
    grid, k = p.grid, p.column.key
    assert grid is not None and grid.level is not None
    if grid.temporal:
        return (pl.col(f"{k}#t").cast(pl.Int64) // int(grid.cell)).alias(k)
    if p.column.dtype.is_integer() and grid.level >= 0:
        return (p.column.raw.cast(pl.Int64) // 10**grid.level).alias(k)
    multiplier, divisor = scaling(1, grid.level)
    scaled = pl.col(f"{k}#x") * multiplier / divisor
    return (scaled + SNAP).floor().cast(pl.Int64, strict=False).alias(k)  # past int64: null, then regridded


def _regrid(p: _Plan, lazy: pl.LazyFrame) -> None:
    """The batch's cells at a cell size for its range and the grid's so far (made coarser if need be)."""
    grid = p.grid
    assert grid is not None
    v = _grid_value(p)
    lo, hi = lazy.select(v.min(), v.max()).collect().row(0)
    if lo is None:
        return
    _coarsen_for(p, float(lo), float(hi))
    cells = lazy.with_columns(_derived(p)).select(_cells(p).alias("cells")).collect().to_series()
    grid.add(cells.drop_nulls().to_numpy())


def _collect(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Queries run `COLLECT_TOGETHER` at a time: each already uses every core, and all at once their threads
    contend (a file of 200 columns: 1.16 s all together, 0.99 s one after the other, 0.94 s 16 at a time)."""
    return [
        r
        for i in range(0, len(queries), COLLECT_TOGETHER)
        for r in pl.collect_all(queries[i : i + COLLECT_TOGETHER])
    ]


class _DistinctRows:
    """The distinct rows of a source read in batches, counted exactly with memory that does not grow with it.

    A row is a duplicate when an earlier row has its 64-bit hash (`DataFrame.hash_rows`, as in memory). A
    sketch would be cheaper, but its error (several % in polars) reads as thousands of duplicates that are
    not there, and a set of every hash takes 8 bytes and more a row. So each batch's hashes are appended to
    one of `HASH_BUCKETS` files in `folder` by their top bits, and each file's distinct hashes are counted
    alone at the end: the memory is one file's. Without room on disk for them (8 bytes a row), the rows are
    not counted and `not_counted` says why; the rest of the report does not depend on it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shift = np.uint64(64 - HASH_BITS)
        self.not_counted: str | None = None
        self.written = 0
        self.files: dict[int, Any] = {}  # open for appending while the batches come

    def add(self, batch: pl.DataFrame) -> None:
        if self.not_counted:
            return
        need = (self.written + batch.height) * 8 + HASH_BUCKETS * HASH_FILE_SLACK
        free = shutil.disk_usage(self.folder).free + self.written * 8
        if free < need:
            self._give_up(
                f"no room for the row hashes on the worker's temporary disk ({_mib(need)} needed, "
                f"{_mib(free)} free in {self.folder.parent})"
            )
            return
        hashes = batch.hash_rows(seed=0).to_numpy()
        bucket = (hashes >> self.shift).astype(np.uint8)
        order = np.argsort(bucket, kind="stable")  # a radix sort of small integers
        ends = np.cumsum(np.bincount(bucket, minlength=HASH_BUCKETS))
        try:
            for b, part in enumerate(np.split(hashes[order], ends[:-1])):
                if part.size:
                    if b not in self.files:
                        self.files[b] = (self.folder / f"{b}.u64").open("ab")
                    part.tofile(self.files[b])
        except OSError:  # the disk filled up meanwhile (numpy's error names no errno)
            self._give_up("the worker's temporary disk filled up while the row hashes were written")
            return
        self.written += batch.height

    def close(self) -> None:
        for out in self.files.values():
            try:
                out.close()
            except OSError:  # what was left to write does not fit: the count is given up already
                self.not_counted = self.not_counted or "the worker's temporary disk filled up"
        self.files = {}

    def _give_up(self, why: str) -> None:
        self.not_counted = why
        self.close()
        for part_file in self.folder.glob("*.u64"):
            part_file.unlink(missing_ok=True)

    def count(self) -> int | None:
        self.close()
        if self.not_counted:
            return None
        return sum(
            pl.Series(np.fromfile(part, dtype=np.uint64)).n_unique() for part in self.folder.glob("*.u64")
        )


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _finish_column(p: _Plan, rows: int) -> None:
    """The column's kind, distinct count, top values, moments and histogram from its totals."""
    c, t = p.column, p.totals
    count, n = int(t.get("count", 0)), int(t.get("n", 0))
    c.first = {name: t.get(name, 0) for name in ("count", "numbers", "integers", "zeros", "negatives")}
    c.first["rows"] = rows
    if c.is_text and count:
        c.first.update(len_min=t["len_min"], len_max=t["len_max"], len_mean=t["len_sum"] / count)
    for name in ("booleans", "dates", "text_min", "text_max"):
        if name in t:
            c.first[name] = t[name]
    if p.maybe_number and n:
        c.first.update(min=t["min"], max=t["max"], mean=t["sum"] / n)
        c.second = _central_moments(n, t["d1"], t["d2"], t["d3"], t["d4"])
    if p.temporal and t.get("when_min") is not None:
        c.first.update(when_min=t["when_min"], when_max=t["when_max"])
    _decide_type(c)
    if p.counts is not None:
        c.distinct, c.distinct_exact = p.counts.height, True
        c.top = _top_values(_top_query(_as_text(p.counts.lazy())).collect())
    elif p.hashes is not None:
        c.distinct, c.distinct_exact = p.hashes.estimate(), p.hashes.level == 0
    _finish_kind(c, rows)
    grid = p.grid
    if grid is None or grid.level is None or not grid.counts.size:
        return
    if c.numeric is not None:
        lo, hi = t["min"], t["max"]
        if not (math.isfinite(lo) and math.isfinite(hi)):  # the finite values' range, to a cell
            lo, hi = grid.low * grid.cell, (grid.low + grid.counts.size - 1) * grid.cell
        bins = histogram_bins(lo, hi, c.integer, cell=grid.cell)
    elif c.kind == "datetime":
        bins = histogram_bins(
            _micros(t["when_min"]), _micros(t["when_max"]), False, temporal=True, cell=grid.cell
        )
    else:
        return
    c.bins = bins.edges
    c.second.update({f"bin{i}": count for i, count in enumerate(grid.histogram(bins))})


def _central_moments(n: int, d1: float, d2: float, d3: float, d4: float) -> dict[str, float]:
    """The sums of the 2nd-4th powers of the deviations from the mean (`m2`..`m4`), from the sums of the
    powers of the distances d from another centre: (d - d̄)^k expanded, with d̄ = d1 / n."""
    a = d1 / n
    return {
        "m2": d2 - a * d1,
        "m3": d3 - 3 * a * d2 + 2 * a * a * d1,
        "m4": d4 - 4 * a * d3 + 6 * a * a * d2 - 3 * a**3 * d1,
    }


def _decide_type(c: _Column) -> None:
    """The physical reading of a column: number, boolean, datetime or text (ids and categories later)."""
    f, count = c.first, c.first["count"]
    if count == 0:
        c.kind = "empty"
    elif c.dtype == pl.Boolean or (c.is_text and f.get("booleans") == count):
        c.kind = "boolean"
    elif c.is_text and f["numbers"] == count and "min" in f:
        c.kind, c.integer = "numeric", f["integers"] == count
        c.numeric = c.raw.cast(pl.Float64, strict=False).fill_nan(None)
    elif not c.is_text and "min" in f:
        c.kind, c.integer = "numeric", c.dtype.is_integer()
        c.numeric = c.raw.cast(pl.Float64).fill_nan(None)
    elif c.is_text and f.get("dates") == count:
        c.kind = "datetime"
        if "when_min" not in f:  # the polars engine has them parsed
            c.first["when_min"] = _parse_when(f["text_min"])
            c.first["when_max"] = _parse_when(f["text_max"])
    elif not c.is_text and "when_min" in f:
        c.kind = "datetime"
    elif c.is_text and f["numbers"] >= count / 2:
        c.kind = "mixed"
    else:
        c.kind = "text"  # categorical, text or id: decided with the exact distinct count


def _parse_when(text: str) -> datetime:
    return pl.Series([text]).str.to_datetime(strict=False).cast(pl.Datetime("us")).item()


def _top(counts: pl.DataFrame) -> list[ValueCount]:
    return _top_values(_top_query(counts.lazy()).collect())


def _top_query(counts: pl.LazyFrame) -> pl.LazyFrame:
    return counts.sort(["count", "value"], descending=[True, False]).head(TOP_VALUES)


def _top_values(top: pl.DataFrame) -> list[ValueCount]:
    return [ValueCount(value=str(v), count=int(n)) for v, n in top.iter_rows()]


def _micros(value: Any) -> float:
    when = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() * 1_000_000


# --- the column's statistics -------------------------------------------------------------------------


def _finish_kind(c: _Column, rows: int) -> None:
    count = c.first["count"]
    if c.kind == "text":
        unique = c.distinct == count == rows
        if unique and rows >= ID_MIN_ROWS and (c.first["len_max"] or 0) <= 64:
            c.kind = "id"
        elif c.distinct <= CATEGORICAL_MAX_DISTINCT or c.distinct <= count / 2:
            c.kind = "categorical"
    elif c.kind == "numeric" and c.integer and count == rows >= ID_MIN_ROWS:
        span = c.first["max"] - c.first["min"] + 1
        if span == rows and (c.distinct == rows or _consecutive(c, rows)):
            c.kind = "id"  # 1..n or any run of consecutive integers: a row number


def _consecutive(c: _Column, n: int) -> bool:
    """Whether n integers from min to max (n apart) have the mean and the spread of min..max each once,
    as a row number does; the test for a column past the exact distinct count, whose sketch is off by
    a little."""
    lo, hi = c.first["min"], c.first["max"]
    m2 = c.second.get("m2")
    return (
        m2 is not None
        and c.first["mean"] == (lo + hi) / 2
        and math.isclose(m2, n * (n * n - 1) / 12, rel_tol=1e-9)
    )


def read_sample(sample: pl.DataFrame, columns: list[_Column], sample_is_all: bool) -> None:
    """What the columns take from the statistics sample, in one set of parallel queries: a numeric
    column's numbers (its quantiles) and the top values of a column past the exact distinct bound."""
    wide = [c for c in columns if not c.top and c.first["count"]]
    numbers = [c for c in columns if c.numeric is not None and c.first["count"]]
    lazy = sample.lazy()
    queries = [_top_query(_as_text(_value_counts(lazy, c))) for c in wide]
    if numbers:
        queries.append(lazy.select([c.numeric.alias(c.key) for c in numbers if c.numeric is not None]))
    results = pl.collect_all(queries) if queries else []
    if numbers:
        values = results.pop()
        for c in numbers:
            x = values[c.key].to_numpy()  # a missing value is NaN here
            c.sampled = x[~np.isnan(x)]
    for c, top in zip(wide, results, strict=True):
        c.top, c.top_exact = _top_values(top), sample_is_all


def _column_stats(c: _Column, rows: int, sample_is_all: bool) -> ColumnStats:
    """The report's statistics of a column from the passes and `read_sample`."""
    f, s = c.first, c.second
    count = int(f["count"])
    stats = ColumnStats(
        kind=c.kind,
        source_type=str(c.dtype),
        count=count,
        missing=rows - count,
        missing_share=_share(rows - count, rows),
        distinct=c.distinct,
        distinct_exact=c.distinct_exact,
        unique_share=_share(c.distinct, count),
    )
    stats.top_values, stats.top_values_exact = c.top, c.top_exact
    if c.is_text and count:
        stats.lengths = TextLengths(min=f["len_min"], max=f["len_max"], mean=round(f["len_mean"], 6))
        stats.numeric_share = _share(f["numbers"], count)
    if c.numeric is not None and count:
        _numeric_stats(stats, c, sample_is_all)
    if c.kind == "datetime" and count:
        stats.first, stats.last = f["when_min"].isoformat(), f["when_max"].isoformat()
        stats.histogram = [
            Bin(start=_from_micros(a), end=_from_micros(b), count=int(s.get(f"bin{i}", 0)))
            for i, (a, b) in enumerate(c.bins)
        ]
    stats.warnings = _warnings(stats, rows)
    return stats


def _numeric_stats(stats: ColumnStats, c: _Column, sample_is_all: bool) -> None:
    f, s, n = c.first, c.second, c.first["count"]
    stats.min, stats.max, stats.mean = float(f["min"]), float(f["max"]), float(f["mean"])
    stats.zeros, stats.negatives = int(f["zeros"]), int(f["negatives"])
    m2, m3, m4 = s["m2"] / n, s["m3"] / n, s["m4"] / n
    stats.std = math.sqrt(s["m2"] / (n - 1)) if n > 1 else None
    if m2 > 0:
        stats.skewness, stats.kurtosis = m3 / m2**1.5, m4 / m2**2 - 3.0
    values = c.sampled
    if values is not None and values.size:
        # One partial sort for the five (numpy's default "linear" is polars' "linear" interpolation).
        q = dict(
            zip((5, 25, 50, 75, 95), np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist(), strict=True)
        )
        stats.quantiles = Quantiles(p5=q[5], p25=q[25], p50=q[50], p75=q[75], p95=q[95])
        stats.iqr, stats.quantiles_exact = q[75] - q[25], sample_is_all
    stats.histogram = [Bin(start=a, end=b, count=int(s.get(f"bin{i}", 0))) for i, (a, b) in enumerate(c.bins)]


def _warnings(stats: ColumnStats, rows: int) -> list[str]:
    out: list[str] = []
    if stats.count == 0:
        return [f"empty: every value is missing ({rows} rows)"] if rows else []
    if stats.distinct == 1:
        out.append(
            f"constant: one value only ({stats.top_values[0].value!r})"
            if stats.top_values
            else "constant: one value only"
        )
    elif stats.distinct == stats.count == rows and rows > 1:
        out.append("unique: every value differs")
    if stats.kind == "id":
        out.append("id: looks like an identifier (unique, no missing values)")
    if (
        stats.kind in ("text", "categorical")
        and stats.distinct > CATEGORICAL_MAX_DISTINCT
        and stats.distinct < rows
    ):
        out.append(f"high_cardinality: {stats.distinct} distinct values")
    if stats.missing_share >= MISSING_WARN_SHARE:
        out.append(f"missing: {stats.missing_share:.1%} of the values are missing")
    if stats.skewness is not None and abs(stats.skewness) > SKEW_WARN:
        out.append(f"skewed: skewness {stats.skewness:.2f}")
    if stats.kind == "mixed":
        out.append(f"mixed_types: {stats.numeric_share:.1%} of the values are numbers, the rest text")
    if stats.kind in ("categorical", "boolean") and stats.distinct >= 2 and stats.top_values:
        top_share = stats.top_values[0].count / stats.count
        if top_share >= IMBALANCE_SHARE:
            out.append(f"imbalance: {stats.top_values[0].value!r} is {top_share:.1%} of the values")
    return out


def _share(part: int | float, whole: int | float) -> float:
    return round(part / whole, 6) if whole else 0.0


def _from_micros(value: float) -> str:
    return datetime.fromtimestamp(value / 1_000_000, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def profile_file(
    path: str | os.PathLike[str],
    *,
    source: str,
    kind: str = "preliminary",
    in_memory_bytes: int = DEFAULT_EDA_IN_MEMORY_BYTES,
) -> Report:
    """The L0 report of a local CSV/TSV/Excel file (see `read_and_profile`)."""
    return read_and_profile(path, source=source, kind=kind, in_memory_bytes=in_memory_bytes)[0]


def read_and_profile(
    path: str | os.PathLike[str],
    *,
    source: str,
    kind: str = "preliminary",
    in_memory_bytes: int = DEFAULT_EDA_IN_MEMORY_BYTES,
) -> tuple[Report, pl.LazyFrame]:
    """The L0 report of a local file and the frame it was read with: typed first, all text if that fails;
    in memory when it fits in `in_memory_bytes` (`frames.load_file`), else streamed."""
    try:
        frame = load_file(path, in_memory_bytes=in_memory_bytes)
        return profile(frame, source=source, kind=kind), frame.lazy()
    except pl.exceptions.ComputeError:
        pass  # a value past the first rows does not fit its column's inferred type
    try:
        frame = load_file(path, text=True, in_memory_bytes=in_memory_bytes)
        return profile(frame, source=source, kind=kind), frame.lazy()
    except pl.exceptions.ComputeError as exc:
        raise UnreadableSource(f"{os.path.basename(path)} cannot be read: {exc}") from exc


def assemble_report(
    kind: str,
    source: str,
    engine: str,
    started: float,
    rows: int,
    column_count: int,
    stats: dict[str, ColumnStats],
    corr: Correlations,
    duplicates: int | None,
    sample: pl.DataFrame,
    sampling: Sampling,
    shown: pl.DataFrame,
    duplicates_not_counted: str | None = None,
) -> Report:
    """The report of either engine from its statistics: warnings (per column and high correlations), the
    overview, and the shown rows."""
    warnings = [
        Warning_(column=name, kind=w.split(":", 1)[0], message=w.split(":", 1)[1].strip())
        for name, s in stats.items()
        for w in s.warnings
    ]
    warnings += high_correlations(corr)
    missing_cells = sum(s.missing for s in stats.values())
    kinds: dict[str, int] = {}
    for s in stats.values():
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    memory = int(sample.estimated_size() * (rows / sample.height)) if sample.height else 0
    return Report(
        kind=kind,  # type: ignore[arg-type]
        source=source,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        engine=engine,
        seconds=round(time.monotonic() - started, 3),
        overview=Overview(
            rows=rows,
            columns=column_count,
            missing_cells=missing_cells,
            missing_share=_share(missing_cells, rows * column_count),
            duplicate_rows=duplicates,
            duplicate_rows_not_counted=duplicates_not_counted,
            memory_bytes=memory,
            kinds=kinds,
        ),
        columns=stats,
        correlations=corr,
        warnings=warnings,
        sample=[{k: _text(v) for k, v in row.items()} for row in shown.iter_rows(named=True)],
        statistics_sampling=sampling,
    )
