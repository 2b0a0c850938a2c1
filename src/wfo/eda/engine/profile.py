"""L0 statistics of a frame in two reads of the source.

A source that fits in memory comes as a `DataFrame` (parsed once; every pass reads memory), a larger one
as a lazy frame that each pass streams.

* Pass 1 (one query): counts, missing values, an approximate distinct count (HyperLogLog), what each text
  column reads as (numbers, integers, booleans, ISO dates), numeric min/max/mean, text lengths. The kind of
  every column follows from it.
* Pass 2: central moments, exact histograms, the exact distinct counts and top values of the columns of
  bounded cardinality (a group-by each), a sample of at most `SAMPLE_ROWS` rows (every row when the source
  is that small) for the quantiles, correlations and the top values of high-cardinality columns, and the
  duplicate rows from 64-bit row hashes. Streamed, it runs on batches of `BATCH_ROWS` rows of one read and
  adds their results up; the row hashes go to disk, split by value (`_DistinctRows`).

Memory depends on `SAMPLE_ROWS`, `BATCH_ROWS` and `DISTINCT_EXACT_BOUND`, not on the number of rows.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

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

EngineType = Literal["in-memory", "streaming"]  # polars' collect engines that a pass uses
SAMPLE_ROWS = 100_000
DUPLICATES_MAX_ROWS = 20_000_000  # the Spark engine's bound (a shuffle); the polars engine counts them all
HASH_BITS = 6  # the top bits of a row hash that choose its file (`_DistinctRows`)
HASH_BUCKETS = 1 << HASH_BITS
HASH_FILE_SLACK = 64 * 1024  # what a file may take on disk beyond its bytes (blocks, metadata)
HEAD_ROWS = 1_000
BATCH_ROWS = 250_000
COLLECT_TOGETHER = 16
DISTINCT_EXACT_BOUND = 10_000
TOP_VALUES = 10
HISTOGRAM_BINS = 20
SHOWN_ROWS = 10
CATEGORICAL_MAX_DISTINCT = 50
ID_MIN_ROWS = 10
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
TRUE_FALSE = ["true", "false", "True", "False", "TRUE", "FALSE"]
MISSING_WARN_SHARE = 0.2
SKEW_WARN = 3.0
IMBALANCE_SHARE = 0.9


@dataclass
class _Column:
    """What the passes learn about one column; `key` names its aggregates in the queries."""

    name: str
    key: str
    dtype: pl.DataType
    kind: ColumnKind = "empty"
    first: dict[str, Any] = field(default_factory=dict)
    second: dict[str, Any] = field(default_factory=dict)
    numeric: pl.Expr | None = None
    when: pl.Expr | None = None  # datetimes as a datetime expression
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


def profile(source_frame: pl.LazyFrame | pl.DataFrame, *, source: str, kind: str = "preliminary") -> Report:
    """The L0 report of a frame (see the module's docstring for the passes)."""
    started = time.monotonic()
    data = source_frame if isinstance(source_frame, pl.DataFrame) else None
    frame = source_frame.lazy()
    engine: EngineType = "in-memory" if data is not None else "streaming"
    schema = frame.collect_schema()
    columns = [_Column(name, f"c{i}", dtype) for i, (name, dtype) in enumerate(schema.items())]
    if not columns:
        return empty_report(source, kind, started)
    head = frame.head(HEAD_ROWS).collect()
    first = _first_pass(frame, columns, engine, head)
    rows = int(first["rows"])
    for c in columns:
        c.first = {k.split("|", 1)[1]: v for k, v in first.items() if k.startswith(c.key + "|")}
        c.first["rows"] = rows
        _decide_type(c)

    sample, sampling, duplicates, not_counted = _second_pass(frame, columns, rows, data)
    for c in columns:
        _finish_kind(c, rows)
    read_sample(sample, columns, sampling.rows_used == rows)
    stats = {c.name: _column_stats(c, rows, sampling.rows_used == rows) for c in columns}
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


# --- pass 1 -------------------------------------------------------------------------------------------


def _first_pass(
    frame: pl.LazyFrame,
    columns: list[_Column],
    engine: EngineType,
    head: pl.DataFrame,
) -> dict[str, Any]:
    """One read of the source for the pass's aggregates.

    Text columns are read as numbers once (a derived column), not per statistic. Whether every value of a
    text column is a boolean or an ISO date is only asked when the first `HEAD_ROWS` rows say it could be.
    """
    derived: list[pl.Expr] = []
    exprs: list[pl.Expr] = [pl.len().alias("rows")]
    for c in columns:
        k, col = c.key, c.raw
        exprs += [
            col.count().alias(f"{k}|count"),
            col.drop_nulls().approx_n_unique().alias(f"{k}|approx_distinct"),
        ]
        if c.is_text:
            derived += [
                col.cast(pl.Float64, strict=False).fill_nan(None).alias(f"{k}#x"),
                col.str.len_chars().alias(f"{k}#len"),
            ]
            number, lengths = pl.col(f"{k}#x"), pl.col(f"{k}#len")
            seen = head[c.name].drop_nulls()
            exprs += [
                number.count().alias(f"{k}|numbers"),
                (number == number.round(0)).sum().alias(f"{k}|integers"),
                col.min().alias(f"{k}|text_min"),
                col.max().alias(f"{k}|text_max"),
                lengths.min().alias(f"{k}|len_min"),
                lengths.max().alias(f"{k}|len_max"),
                lengths.mean().alias(f"{k}|len_mean"),
                *_numeric_first(k, number),
            ]
            if seen.is_in(TRUE_FALSE).all():
                exprs.append(col.is_in(TRUE_FALSE).sum().alias(f"{k}|booleans"))
            if seen.str.contains(ISO_DATE).all():
                exprs.append(col.str.contains(ISO_DATE).sum().alias(f"{k}|dates"))
        elif c.dtype.is_numeric():
            exprs += _numeric_first(k, col.cast(pl.Float64).fill_nan(None))
        elif c.dtype.is_temporal():
            exprs += [col.min().alias(f"{k}|when_min"), col.max().alias(f"{k}|when_max")]
    source = frame.with_columns(derived) if derived else frame
    return source.select(exprs).collect(engine=engine).row(0, named=True)


def _numeric_first(k: str, x: pl.Expr) -> list[pl.Expr]:
    return [
        x.min().alias(f"{k}|min"),
        x.max().alias(f"{k}|max"),
        x.mean().alias(f"{k}|mean"),
        (x == 0).sum().alias(f"{k}|zeros"),
        (x < 0).sum().alias(f"{k}|negatives"),
    ]


def _decide_type(c: _Column) -> None:
    """The physical reading of a column: number, boolean, datetime or text (ids and categories later)."""
    f, count = c.first, c.first["count"]
    # The sketch counts a missing value as one more value, and in memory an empty column as one value.
    c.distinct = max(int(f["approx_distinct"]) - (1 if count < f["rows"] else 0), 0) if count else 0
    if count == 0:
        c.kind = "empty"
    elif c.dtype == pl.Boolean or (c.is_text and f.get("booleans") == count):
        c.kind = "boolean"
    elif c.is_text and f["numbers"] == count:
        c.kind, c.integer = "numeric", f["integers"] == count
        c.numeric = c.raw.cast(pl.Float64, strict=False).fill_nan(None)
    elif not c.is_text and "min" in f:
        c.kind, c.integer = "numeric", c.dtype.is_integer()
        c.numeric = c.raw.cast(pl.Float64).fill_nan(None)
    elif c.is_text and f.get("dates") == count:
        # Dates alone (every value 10 characters long) have one format; polars' guess per value is 8× slower.
        iso_date = "%Y-%m-%d" if f["len_min"] == f["len_max"] == 10 else None
        c.kind, c.when = "datetime", c.raw.str.to_datetime(format=iso_date, strict=False)
        c.first["when_min"] = _parse_when(f["text_min"])
        c.first["when_max"] = _parse_when(f["text_max"])
    elif "when_min" in f:
        c.kind, c.when = "datetime", c.raw.cast(pl.Datetime)
    elif c.is_text and f["numbers"] >= count / 2:
        c.kind = "mixed"
    else:
        c.kind = "text"  # categorical, text or id: decided with the exact distinct count


def _parse_when(text: str) -> datetime:
    return pl.Series([text]).str.to_datetime(strict=False).cast(pl.Datetime("us")).item()


# --- pass 2 -------------------------------------------------------------------------------------------


def _second_pass(
    frame: pl.LazyFrame, columns: list[_Column], rows: int, data: pl.DataFrame | None
) -> tuple[pl.DataFrame, Sampling, int | None, str | None]:
    """One read of the source for the central moments and histogram counts (on derived columns: each value
    converted and binned once), the exact distinct counts and top values of the columns whose sketch is
    under the bound (a group-by each, of bounded state), the statistics sample (`_sample`) and the number
    of duplicate rows (`_DistinctRows`), or why they were not counted."""
    derived: list[pl.Expr] = []
    binned: list[pl.Expr] = []
    exprs: list[pl.Expr] = []
    for c in columns:
        if not c.first["count"]:
            continue
        if c.numeric is not None:
            x = pl.col(f"{c.key}#x")
            derived.append(c.numeric.alias(f"{c.key}#x"))
            mean = c.first["mean"]
            exprs += [((x - mean) ** power).sum().alias(f"{c.key}|m{power}") for power in (2, 3, 4)]
            c.bins = _numeric_bins(c.first["min"], c.first["max"], c.integer)
            index, bin_counts = _bin_counts(c.key, x, c.bins)
            binned.append(index)
            exprs += bin_counts
        elif c.when is not None:
            lo, hi = (_micros(c.first["when_min"]), _micros(c.first["when_max"]))
            c.bins = _numeric_bins(lo, hi, True)
            derived.append(c.when.cast(pl.Datetime("us")).cast(pl.Int64).cast(pl.Float64).alias(f"{c.key}#x"))
            index, bin_counts = _bin_counts(c.key, pl.col(f"{c.key}#x"), c.bins)
            binned.append(index)
            exprs += bin_counts
    bounded = [c for c in columns if c.first["count"] and c.distinct <= DISTINCT_EXACT_BOUND]
    step = max(math.ceil(rows / SAMPLE_ROWS), 1)
    method = "all rows" if step == 1 else (
        f"rows whose index hashes to 0 modulo {step} (about 1 in {step}, spread over the whole source)"
    )  # fmt: skip

    def queries(part: pl.LazyFrame, offset: int) -> list[pl.LazyFrame]:
        out = [_value_counts(part, c) for c in bounded]
        if exprs:
            out.append(part.with_columns(derived).with_columns(binned).select(exprs))
        out.append(_sample(part, step, offset))
        return out

    duplicates: int | None
    not_counted: str | None = None
    if data is not None:
        results = _collect(queries(frame, 0))
        sample = results.pop()
        second = results.pop().row(0, named=True) if exprs else {}
        duplicates = rows - data.hash_rows(seed=0).n_unique()
    else:
        results, sample, second, duplicates, not_counted = _streamed_second_pass(
            frame, queries, bool(exprs), rows
        )
    for c in columns:
        c.second = {k.split("|", 1)[1]: v for k, v in second.items() if k.startswith(c.key + "|")}
    tops = pl.collect_all([_top_query(counts.lazy()) for counts in results]) if results else []
    for c, counts, top in zip(bounded, results, tops, strict=True):
        c.distinct, c.distinct_exact = counts.height, True
        c.top = _top_values(top)
    return sample, Sampling(rows_total=rows, rows_used=sample.height, method=method), duplicates, not_counted


def _collect(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """In-memory queries run `COLLECT_TOGETHER` at a time: each already uses every core, and all at once
    their threads contend (pass 2 of a file of 200 columns: 1.16 s all together, 0.99 s one after the other,
    0.94 s 16 at a time; of 20 columns, 0.19 s each way)."""
    return [
        r
        for i in range(0, len(queries), COLLECT_TOGETHER)
        for r in pl.collect_all(queries[i : i + COLLECT_TOGETHER])
    ]


def _value_counts(part: pl.LazyFrame, c: _Column) -> pl.LazyFrame:
    """The column's values (as text) and how often each occurs, grouped by the value itself and made text
    after: one conversion per distinct value, not per row. A float's text tells apart what the number does
    not (0.0 and -0.0), so a float is also grouped by its sign at zero."""
    value = pl.col("value")
    if not c.dtype.is_float():
        counts = part.select(c.raw.alias("value")).drop_nulls().group_by("value").agg(pl.len().alias("count"))
        return counts.with_columns(value.cast(pl.String))
    negative_zero = ((c.raw == 0) & (1 / c.raw < 0)).alias("negative_zero")
    counts = (
        part.select(c.raw.alias("value"), negative_zero)
        .drop_nulls("value")
        .group_by("value", "negative_zero")
        .agg(pl.len().alias("count"))
    )
    text = pl.when(pl.col("negative_zero")).then(pl.lit("-0.0")).otherwise(value.cast(pl.String))
    return counts.select(text.alias("value"), "count")


def _streamed_second_pass(
    frame: pl.LazyFrame, queries: Callable[[pl.LazyFrame, int], list[pl.LazyFrame]], sums: bool, rows: int
) -> tuple[list[pl.DataFrame], pl.DataFrame, dict[str, Any], int | None, str | None]:
    """The second pass's queries on each batch of `BATCH_ROWS` rows of one streamed read, merged (counts
    of the same value added, sums added, sample rows appended), and the number of duplicate rows of the
    `rows` (or why they were not counted).

    Every statistic of the pass adds up over batches. Run as sinks of one streamed read instead, the
    group-bys made the engine buffer the source (2.1 GB on a 1.2 GB file).
    """
    counts: list[pl.DataFrame] | None = None
    second: dict[str, Any] = {}
    parts: list[pl.DataFrame] = []
    offset = 0
    with tempfile.TemporaryDirectory(prefix="wfo-eda-rows-") as folder:
        seen = _DistinctRows(Path(folder), rows)
        for batch in frame.collect_batches(chunk_size=BATCH_ROWS):
            seen.add(batch)
            results = _collect(queries(batch.lazy(), offset))
            offset += batch.height
            parts.append(results.pop())
            if sums:
                for name, value in results.pop().row(0, named=True).items():
                    second[name] = second.get(name, 0) + (value or 0)
            counts = results if counts is None else [
                pl.concat([total, part]).group_by("value").agg(pl.col("count").sum())
                for total, part in zip(counts, results, strict=True)
            ]  # fmt: skip
        distinct = seen.count()
    sample = pl.concat(parts) if parts else frame.clear().collect()
    duplicates = None if distinct is None else rows - distinct
    return counts or [], sample, second, duplicates, seen.not_counted


class _DistinctRows:
    """The distinct rows of a source read in batches, counted exactly with memory that does not grow with it.

    A row is a duplicate when an earlier row has its 64-bit hash (`DataFrame.hash_rows`, as in memory). A
    sketch would be cheaper, but its error (several % in polars) reads as thousands of duplicates that are
    not there, and a set of every hash takes 8 bytes and more a row. So each batch's hashes are appended to
    one of `HASH_BUCKETS` files in `folder` by their top bits, and each file's distinct hashes are counted
    alone at the end: the memory is one file's. Without room on disk for them (8 bytes a row), the rows are
    not counted and `not_counted` says why; the rest of the report does not depend on it.
    """

    def __init__(self, folder: Path, rows: int) -> None:
        self.folder = folder
        self.shift = np.uint64(64 - HASH_BITS)
        self.not_counted: str | None = None
        need, free = rows * 8 + HASH_BUCKETS * HASH_FILE_SLACK, shutil.disk_usage(folder).free
        if free < need:
            self.not_counted = (
                f"no room for the row hashes on the worker's temporary disk ({_mib(need)} needed, "
                f"{_mib(free)} free in {folder.parent})"
            )

    def add(self, batch: pl.DataFrame) -> None:
        if self.not_counted:
            return
        hashes = batch.hash_rows(seed=0).to_numpy()
        bucket = (hashes >> self.shift).astype(np.uint8)
        order = np.argsort(bucket, kind="stable")  # a radix sort of small integers
        ends = np.cumsum(np.bincount(bucket, minlength=HASH_BUCKETS))
        try:
            for b, part in enumerate(np.split(hashes[order], ends[:-1])):
                if part.size:
                    with (self.folder / f"{b}.u64").open("ab") as out:
                        part.tofile(out)
        except OSError:  # the disk filled up meanwhile (numpy's error names no errno)
            self.not_counted = "the worker's temporary disk filled up while the row hashes were written"
            for part_file in self.folder.glob("*.u64"):
                part_file.unlink(missing_ok=True)

    def count(self) -> int | None:
        if self.not_counted:
            return None
        return sum(
            pl.Series(np.fromfile(part, dtype=np.uint64)).n_unique() for part in self.folder.glob("*.u64")
        )


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _sample(part: pl.LazyFrame, step: int, offset: int) -> pl.LazyFrame:
    """The rows of `part` whose index in the source (from `offset`) hashes to 0 modulo `step`: about 1 in
    `step`, spread over the whole source, the same rows however it is read."""
    sample = part
    if step > 1:
        sample = (
            part.with_row_index("__wfo_row", offset=offset)
            .filter(pl.col("__wfo_row").hash(seed=20261203) % step == 0)
            .drop("__wfo_row")
        )
    # A kept string is a view into the batch it was read in, which it would keep alive: 1 row in 27 of a
    # 1 GB file kept the whole gigabyte. Its copy lets the batch go.
    return sample.with_columns(pl.col(pl.String) + pl.lit(""))


def _numeric_bins(lo: float, hi: float, integer: bool) -> list[tuple[float, float]]:
    if integer and hi - lo + 1 <= HISTOGRAM_BINS:  # one bar per value
        return [(v - 0.5, v + 0.5) for v in range(int(lo), int(hi) + 1)]
    if hi == lo:
        return [(lo, hi)]
    width = (hi - lo) / HISTOGRAM_BINS
    return [(lo + i * width, lo + (i + 1) * width) for i in range(HISTOGRAM_BINS)]


def _bin_counts(key: str, x: pl.Expr, bins: list[tuple[float, float]]) -> tuple[pl.Expr, list[pl.Expr]]:
    """The bin index of each value (a derived column, computed once) and the count of each bin."""
    if len(bins) == 1:
        return x.is_not_null().cast(pl.Int8).alias(f"{key}#b"), [x.count().alias(f"{key}|bin0")]
    lo, width = bins[0][0], bins[0][1] - bins[0][0]
    index = ((x - lo) / width).floor().clip(0, len(bins) - 1).cast(pl.Int8).alias(f"{key}#b")
    b = pl.col(f"{key}#b")
    return index, [(b == i).sum().alias(f"{key}|bin{i}") for i in range(len(bins))]


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
    queries = [_top_query(_value_counts(lazy, c)) for c in wide]
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
    if c.when is not None and count:
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
