"""L0 statistics computed by Spark (DataFrame API only: works on a classic session and on Spark Connect).

The same report as the polars engine (`wfo.eda.engine.profile`), whose type inference, kinds, warnings and
sample-based parts are reused on the numbers Spark computes. Every column is read as text (as the polars
engine's text reading), under positional names (`c0`, `c1`, ...) so no column name reaches a Spark expression.
The source is read once: its text and each value parsed as a number are persisted for the passes. Each
"aggregation" below runs as jobs of at most `AGG_CHUNK` expressions of plain (declarative) aggregates, which
Spark compiles to code; the sketches (`approx_count_distinct`, `percentile_approx`) have no generated code
and run in jobs of their own, the per-column ones grouped over the columns stacked as (column, value) rows.

* pass 1 (one aggregation): rows, counts, what each column reads as (numbers, integers, booleans, ISO dates),
  numeric min/max/mean, zeros/negatives, text min/max and lengths; with it, approximate distinct counts
  (HyperLogLog++, `approx_count_distinct`, 1 % relative error; one grouped aggregation); the kind of each
  column follows (`_decide_type`).
* exact distinct counts and top values of the columns whose sketch is at most `DISTINCT_EXACT_BOUND` (one
  grouped count over (column, value) pairs);
* pass 2: central moments (from pass 1's mean: the same formulas as polars) and Pearson correlations over
  pairwise complete rows (as sums of centred values, one aggregation); approximate quantiles
  (`percentile_approx`, accuracy `QUANTILE_ACCURACY`: rank error at most 1/accuracy of the rows, the value is
  one of the column's values, not interpolated; one aggregation); histogram counts on the round-edged bins
  that pass 1's finite min/max give (`bins.histogram_bins`, as in polars; one grouped count over (column,
  bin) pairs);
* duplicates: distinct 64-bit row hashes (a shuffle of 8 bytes a row) up to `DUPLICATES_MAX_ROWS` rows (the
  polars engine counts every row);
* a sample of at most `SAMPLE_ROWS` rows, fetched as Arrow, gives Spearman and Cramér's V (the polars code)
  and the top values of the columns above the bound, as in the polars engine.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import polars as pl

from wfo.eda.engine.bins import SNAP, Bins, histogram_bins, scaling
from wfo.eda.engine.correlations import MAX_COLUMNS, correlations
from wfo.eda.engine.profile import (
    DISTINCT_EXACT_BOUND,
    DUPLICATES_MAX_ROWS,
    ISO_DATE,
    SAMPLE_ROWS,
    SHOWN_ROWS,
    TRUE_FALSE,
    _Column,
    _column_stats,
    _decide_type,
    _finish_kind,
    _micros,
    _top,
    assemble_report,
    empty_report,
    read_sample,
)
from wfo.eda.schemas import Quantiles, Report, Sampling

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

QUANTILE_ACCURACY = 10_000
# Aggregate expressions per Spark job (`_aggregate`).
AGG_CHUNK = 48
DISTINCT_RSD = 0.01
SAMPLE_SEED = 20261203
PERCENTILES = (5, 25, 50, 75, 95)
# Code points that can start a value Spark casts to a number besides digits and blanks: . + - N n I i
NUMBER_STARTS = (46, 43, 45, 78, 110, 73, 105)


def engine_label(spark: SparkSession) -> str:
    connect = type(spark).__module__.startswith("pyspark.sql.connect")
    return f"spark {spark.version}" + (" (Spark Connect)" if connect else "")


def read_csv(spark: SparkSession, path: str, separator: str) -> DataFrame:
    """A CSV/TSV as a DataFrame of text columns (splittable: a value with a quoted line break is not
    supported, see docs/eda.md)."""
    return (
        spark.read.option("header", True)
        .option("sep", separator)
        .option("inferSchema", False)
        .option("quote", '"')
        .option("escape", '"')  # RFC 4180: a quote inside a quoted value is doubled
        .option("encoding", "UTF-8")
        .option("mode", "PERMISSIVE")
        .csv(path)
    )


def profile_spark(frame: DataFrame, *, source: str, kind: str = "preliminary") -> Report:
    """The L0 report of `frame` (see the module's docstring for the passes)."""
    from pyspark.sql import functions as F

    started = time.monotonic()
    spark = frame.sparkSession
    spark.conf.set("spark.sql.session.timeZone", "UTC")  # datetimes read as UTC, as polars reads them
    names = list(frame.columns)
    if not names:
        report = empty_report(source, kind, started)
        report.engine = engine_label(spark)
        return report
    keys = [f"c{i}" for i in range(len(names))]
    from pyspark import StorageLevel

    raw = frame.toDF(*keys).select([F.col(k).cast("string").alias(k) for k in keys])
    # Every value read and parsed as a number once, kept (in memory, spilling to disk) for the passes below:
    # without it each pass read the source again and cast each column once per expression that used it.
    base = raw.select(*keys, *[_parse_number(k).alias(_number_key(k)) for k in keys]).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    try:
        return _profile(spark, base, names, keys, source, kind, started)
    finally:
        base.unpersist()


def _profile(
    spark: Any, base: DataFrame, names: list[str], keys: list[str], source: str, kind: str, started: float
) -> Report:
    from pyspark.sql import functions as F

    text = base.select(*[F.col(k) for k in keys])
    columns = [_Column(name, key, pl.String()) for name, key in zip(names, keys, strict=True)]

    first = _aggregate(base, _first_exprs(keys))
    first.update(_approx_distinct(text, keys))
    rows = int(first["rows"])
    for c in columns:
        c.first = {k.split("|", 1)[1]: v for k, v in first.items() if k.startswith(c.key + "|")}
        for total in ("numbers", "integers", "booleans", "dates", "zeros", "negatives"):
            c.first[total] = int(c.first.get(total) or 0)
        c.first["rows"] = rows
        _decide_type(c)
        c.distinct = int(c.first["approx_distinct"])  # Spark's sketch leaves missing values out
    _exact_counts(text, columns)
    for c in columns:
        _finish_kind(c, rows)
    pearson_names = [c for c in columns if c.kind == "numeric"][:MAX_COLUMNS]
    second, quantiles, pearson = _second_pass(base, columns, pearson_names, rows)

    sample, sampling = _sample(text, names, rows)
    stats = {}
    for c in columns:
        c.second = second.get(c.key, {})
    read_sample(sample, columns, sampling.rows_used == rows)
    for c in columns:
        s = _column_stats(c, rows, sampling.rows_used == rows)
        q = quantiles.get(c.key)
        if q is not None:
            s.quantiles = Quantiles(**{f"p{p}": float(v) for p, v in zip(PERCENTILES, q, strict=True)})
            s.iqr, s.quantiles_exact = s.quantiles.p75 - s.quantiles.p25, False
        stats[c.name] = s
    corr = correlations(sample, {c.name: c.kind for c in columns}, {c.name: c.numeric for c in columns})
    corr.pearson = pearson  # over every row, not the sample
    duplicates = _duplicates(text, keys, rows)
    shown = _collect(text.limit(SHOWN_ROWS), names)
    return assemble_report(
        kind, source, engine_label(spark), started, rows, len(columns), stats, corr, duplicates,
        sample, sampling, shown,
        None if duplicates is not None else f"over {DUPLICATES_MAX_ROWS // 1_000_000} M rows (the Spark engine)",
    )  # fmt: skip


def _parse_number(key: str) -> Column:
    """The column read as a number (null when it is not one, NaN as missing, as in the polars engine)."""
    from pyspark.sql import functions as F

    # Only text whose first character can start a number (after blanks: a sign, a digit, a point, NaN,
    # Infinity/inf in any case) reaches the cast: a failed cast costs an exception, ~1 µs a value.
    first = F.ascii(F.col(key))
    maybe = first.between(48, 57) | first.isin(*NUMBER_STARTS) | (first <= 32)
    x = F.when(maybe, F.col(key).try_cast("double"))
    return F.when(F.isnan(x), F.lit(None)).otherwise(x)


def _number_key(key: str) -> str:
    return f"{key}__number"


def _number(key: str) -> Column:
    """The column's number, parsed once in the persisted frame (`_parse_number`)."""
    from pyspark.sql import functions as F

    return F.col(_number_key(key))


def _aggregate(frame: DataFrame, exprs: list[Column]) -> dict[str, Any]:
    """One row of aggregates, computed `AGG_CHUNK` expressions at a time: Spark compiles an aggregation of a
    few dozen expressions to code, while one of hundreds exceeds its generated-method limit and runs
    interpreted (measured: 404 s instead of seconds for 1 M rows × 20 columns)."""
    row: dict[str, Any] = {}
    for start in range(0, len(exprs), AGG_CHUNK):
        row.update(frame.agg(*exprs[start : start + AGG_CHUNK]).collect()[0].asDict())
    return row


def _micros_of(key: str) -> Column:
    from pyspark.sql import functions as F

    return F.unix_micros(F.col(key).try_cast("timestamp")).cast("double")


def _count_if(condition: Column) -> Column:
    from pyspark.sql import functions as F

    return F.sum(condition.cast("int"))


def _first_exprs(keys: list[str]) -> list[Column]:
    from pyspark.sql import functions as F

    exprs = [F.count(F.lit(1)).alias("rows")]
    for k in keys:
        col, x, length = F.col(k), _number(k), F.length(F.col(k))
        exprs += [
            F.count(col).alias(f"{k}|count"),
            F.count(x).alias(f"{k}|numbers"),
            _count_if(x == F.round(x, 0)).alias(f"{k}|integers"),
            _count_if(col.isin(TRUE_FALSE)).alias(f"{k}|booleans"),
            # The cheap test first: the regular expression decodes the text to a Java string.
            _count_if((F.substring(col, 5, 1) == F.lit("-")) & col.rlike(ISO_DATE)).alias(f"{k}|dates"),
            F.min(col).alias(f"{k}|text_min"),
            F.max(col).alias(f"{k}|text_max"),
            F.min(length).alias(f"{k}|len_min"),
            F.max(length).alias(f"{k}|len_max"),
            F.avg(length).alias(f"{k}|len_mean"),
            F.min(x).alias(f"{k}|min"),
            F.max(x).alias(f"{k}|max"),
            F.min(F.when(F.abs(x) < F.lit(float("inf")), x)).alias(f"{k}|finite_min"),
            F.max(F.when(F.abs(x) < F.lit(float("inf")), x)).alias(f"{k}|finite_max"),
            F.avg(x).alias(f"{k}|mean"),
            _count_if(x == 0).alias(f"{k}|zeros"),
            _count_if(x < 0).alias(f"{k}|negatives"),
        ]
    return exprs


def _approx_distinct(text: DataFrame, keys: list[str]) -> dict[str, int]:
    """`<key>|approx_distinct` of every column: HyperLogLog++ sketches in one grouped aggregation over
    (column, value) pairs. In one ungrouped aggregation the sketches (16 384 registers each at 1 %) cost
    ~15 µs a value; grouped, a small fraction of that. The sketch is order-free: the same counts."""
    from pyspark.sql import functions as F

    found = (
        _unpivot(text, [F.col(k) for k in keys], "value")
        .where(F.col("value").isNotNull())
        .groupBy("column")
        .agg(F.approx_count_distinct("value", rsd=DISTINCT_RSD).alias("n"))
        .collect()
    )
    out = {f"{k}|approx_distinct": 0 for k in keys}  # a column with no value has no group
    out.update({f"{keys[r['column']]}|approx_distinct": int(r["n"]) for r in found})
    return out


def _exact_counts(text: DataFrame, columns: list[_Column]) -> None:
    """Exact distinct counts and top values of the columns under the bound: one grouped count over
    (column, value) pairs, whose result has at most the sum of their distinct counts rows."""
    from pyspark.sql import functions as F

    bounded = [c for c in columns if c.first["count"] and c.distinct <= DISTINCT_EXACT_BOUND]
    if not bounded:
        return
    counts = (
        _unpivot(text, [F.col(c.key) for c in bounded], "value")
        .where(F.col("value").isNotNull())
        .groupBy("column", "value")
        .count()
    )
    found = pl.from_arrow(counts.toArrow())
    assert isinstance(found, pl.DataFrame)
    per_column = found.partition_by("column", as_dict=True, include_key=False)
    for i, c in enumerate(bounded):
        part = per_column.get((i,), pl.DataFrame(schema={"value": pl.String, "count": pl.Int64}))
        c.distinct, c.distinct_exact = part.height, True
        c.top = _top(part)


def _second_pass(
    base: DataFrame, columns: list[_Column], pearson_columns: list[_Column], rows: int
) -> tuple[dict[str, dict[str, Any]], dict[str, list[float]], dict[str, dict[str, float | None]]]:
    """Moments and Pearson sums (declarative sums, compiled), approximate quantiles (one aggregation of
    their own: `percentile_approx` has no generated code, so it would take the others' with it) and the
    histogram counts (one grouped count over (column, bin) pairs) on the persisted frame `base`."""
    from pyspark.sql import functions as F

    exprs: list[Column] = []
    quantile_exprs: list[Column] = []
    binned: list[tuple[str, Column]] = []
    for c in columns:
        if not c.first["count"]:
            continue
        if c.numeric is not None:
            x = _number(c.key)
            exprs += [F.sum((x - F.lit(c.first["mean"])) ** p).alias(f"{c.key}|m{p}") for p in (2, 3, 4)]
            if c.first["finite_min"] is not None:  # no histogram of infinities alone, as in polars
                bins = histogram_bins(c.first["finite_min"], c.first["finite_max"], c.integer)
                c.bins = bins.edges
                binned.append((c.key, _bin_index(x, bins)))
            quantile_exprs.append(
                F.percentile_approx(x, [p / 100 for p in PERCENTILES], QUANTILE_ACCURACY).alias(f"{c.key}|q")
            )
        elif c.kind == "datetime":
            bins = histogram_bins(_micros(c.first["when_min"]), _micros(c.first["when_max"]), False, True)
            c.bins = bins.edges
            binned.append((c.key, _bin_index(_micros_of(c.key), bins)))
    pairs = [(a, b) for i, a in enumerate(pearson_columns) for b in pearson_columns[i + 1 :]]
    exprs += _pearson_exprs(pearson_columns, pairs, rows)
    row = _aggregate(base, exprs) if exprs else {}
    quantile_row = _aggregate(base, quantile_exprs) if quantile_exprs else {}
    second: dict[str, dict[str, Any]] = _histograms(base, binned) if binned else {}
    for c in columns:
        for p in (2, 3, 4):
            if f"{c.key}|m{p}" in row:
                second.setdefault(c.key, {})[f"m{p}"] = row[f"{c.key}|m{p}"]
    quantiles = {
        name.split("|", 1)[0]: [float(v) for v in value]
        for name, value in quantile_row.items()
        if value is not None
    }
    names = [c.name for c in pearson_columns]
    pearson: dict[str, dict[str, float | None]] = {
        a: {b: 1.0 if a == b else None for b in names} for a in names
    }
    for a, b in pairs:
        pearson[a.name][b.name] = pearson[b.name][a.name] = _pearson(row, a, b, rows)
    return second, quantiles, pearson


def _pearson_exprs(columns: list[_Column], pairs: list[tuple[_Column, _Column]], rows: int) -> list[Column]:
    """Sums for Pearson's r over the rows where both values are present (as Spark's `corr`), of the
    values centred on their mean (pass 1), so the sums do not cancel. A column without missing values
    needs its own sums once (its deviation from the mean `m1`; its squares are the moment `m2`), a pair only
    the sum of its products; a pair with a missing value on either side has all six sums over its rows.
    Plain sums compile to a few instructions a row where `corr`'s running updates took ~1 µs each."""
    from pyspark.sql import functions as F

    def centred(c: _Column) -> Column:
        return _number(c.key) - F.lit(c.first["mean"])

    exprs = [F.sum(centred(c)).alias(f"{c.key}|m1") for c in columns if c.first["count"] == rows]
    for a, b in pairs:
        x, y = centred(a), centred(b)
        name = f"{a.key}|r|{b.key}"
        exprs.append(F.sum(x * y).alias(f"{name}|xy"))
        if a.first["count"] < rows or b.first["count"] < rows:
            both_x, both_y = F.when(y.isNotNull(), x), F.when(x.isNotNull(), y)
            exprs += [
                F.count(x * y).alias(f"{name}|n"),
                F.sum(both_x).alias(f"{name}|x"),
                F.sum(both_y).alias(f"{name}|y"),
                F.sum(both_x**2).alias(f"{name}|xx"),
                F.sum(both_y**2).alias(f"{name}|yy"),
            ]
    return exprs


# A spread below this share of the sum of squares is rounding left by a constant: Spark's `corr` gives no
# coefficient for a constant column (its running spread is exactly 0), nor does `_pearson`.
ZERO_SPREAD = 1e-12


def _pearson(row: dict[str, Any], a: _Column, b: _Column, rows: int) -> float | None:
    """Pearson's r of a pair from `_pearson_exprs`'s sums, rounded to 6 digits; None where Spark's `corr`
    gives none or a non-finite value (fewer than 2 rows, a constant side)."""
    name = f"{a.key}|r|{b.key}"
    if f"{name}|n" in row:
        n, sx, sy = row[f"{name}|n"], row[f"{name}|x"], row[f"{name}|y"]
        sxx, syy = row[f"{name}|xx"], row[f"{name}|yy"]
    else:
        n, sx, sy = rows, row[f"{a.key}|m1"], row[f"{b.key}|m1"]
        sxx, syy = row[f"{a.key}|m2"], row[f"{b.key}|m2"]
    sxy = row[f"{name}|xy"]
    if not n or n < 2 or None in (sx, sy, sxx, syy, sxy):
        return None
    spread_x, spread_y = sxx - sx * sx / n, syy - sy * sy / n
    if not (spread_x > ZERO_SPREAD * sxx and spread_y > ZERO_SPREAD * syy):
        return None  # also NaN (an infinite value)
    r = (sxy - sx * sy / n) / math.sqrt(spread_x * spread_y)
    return round(max(-1.0, min(1.0, r)), 6) if math.isfinite(r) else None


def _bin_index(x: Column, bins: Bins) -> Column:
    """Each value's bin as in the polars engine (`bins.histogram_bins`: ⌊x / width + SNAP⌋ from the first
    bin), clipped; null for a missing or infinite value."""
    from pyspark.sql import functions as F

    finite = x.isNotNull() & ~F.isnan(x) & (F.abs(x) < F.lit(float("inf")))
    if bins.per_value:
        index = x - F.lit(bins.first)
    elif len(bins.edges) == 1:
        index = F.lit(0)
    else:
        multiplier, divisor = scaling(bins.mantissa, bins.exponent)
        index = F.floor(x * F.lit(multiplier) / F.lit(divisor) + F.lit(SNAP)) - F.lit(bins.first)
    # `greatest`/`least` skip nulls: a missing value must stay out of every bin.
    clipped = F.least(F.greatest(index, F.lit(0)), F.lit(len(bins.edges) - 1))
    return F.when(finite, clipped).cast("int")


def _histograms(base: DataFrame, binned: list[tuple[str, Column]]) -> dict[str, dict[str, Any]]:
    """`bin<i>` counts per column key: one grouped count over (column, bin) pairs (at most 20 groups a
    column) instead of one conditional count per bin and column."""
    from pyspark.sql import functions as F

    counts = (
        _unpivot(base, [index for _, index in binned], "bin")
        .where(F.col("bin").isNotNull())
        .groupBy("column", "bin")
        .count()
        .collect()
    )
    out: dict[str, dict[str, Any]] = {key: {} for key, _ in binned}
    for r in counts:
        out[binned[r["column"]][0]][f"bin{r['bin']}"] = int(r["count"])
    return out


def _unpivot(frame: DataFrame, values: list[Column], name: str) -> DataFrame:
    """One row per row of `frame` and value: (`column`: the value's position in `values`, `name`)."""
    from pyspark.sql import functions as F

    items = [F.struct(F.lit(i).alias("column"), v.alias(name)) for i, v in enumerate(values)]
    return frame.select(F.explode(F.array(*items)).alias("p")).select("p.column", f"p.{name}")


def _duplicates(text: DataFrame, keys: list[str], rows: int) -> int | None:
    """Rows equal to an earlier row, as the polars engine counts them: distinct 64-bit row hashes (a
    shuffle of 8 bytes a row instead of the rows), not counted past `DUPLICATES_MAX_ROWS`. A missing
    value is hashed as a mark of its own (`xxhash64` skips nulls: ("a", null) would hash as (null, "a"))."""
    from pyspark.sql import functions as F

    if rows > DUPLICATES_MAX_ROWS:
        return None
    row_hash = F.xxhash64(*[part for k in keys for part in (F.col(k), F.col(k).isNull())])
    return rows - text.select(row_hash.alias("h")).distinct().count()


def _collect(frame: DataFrame, names: list[str]) -> pl.DataFrame:
    table = frame.toArrow()
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    if out.width == 0:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    return out.rename(dict(zip(out.columns, names, strict=True)))


def _sample(text: DataFrame, names: list[str], rows: int) -> tuple[pl.DataFrame, Sampling]:
    if rows <= SAMPLE_ROWS:
        return _collect(text, names), Sampling(rows_total=rows, rows_used=rows, method="all rows")
    fraction = min(1.0, SAMPLE_ROWS * 1.1 / rows)
    sample = _collect(text.sample(fraction=fraction, seed=SAMPLE_SEED).limit(SAMPLE_ROWS), names)
    method = f"Spark's Bernoulli sample of about {fraction:.4%} of the rows (seed {SAMPLE_SEED}), at most {SAMPLE_ROWS}"
    return sample, Sampling(rows_total=rows, rows_used=sample.height, method=method)
