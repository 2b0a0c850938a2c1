"""Histogram bins on round edges, and the fine grid that gives their exact counts in one read.

A histogram's bins are fixed by the column's min and max alone (`histogram_bins`), the same in both engines:

* integers over at most `HISTOGRAM_BINS` values: one bar per value;
* numbers: at most `HISTOGRAM_BINS` + 1 bins of a round width (1, 2 or 5 × a power of ten: 0.5, 20, 5 000)
  on its multiples, so the edges read as round numbers;
* datetimes: a round duration (1 s, 15 min, 6 h, 1 day, 7 days, 100 days, ...) on its multiples since the
  epoch (UTC).

A value's bin is ⌊x / width + SNAP⌋: a decimal that binary floating point holds a hair under an edge
(0.29 / 0.01 = 28.999999999999996) counts in the bin above it, as it reads.

The polars engine counts them in its one read of a streamed source, before the min and max are known: each
value goes to a cell of a fine grid (`FineGrid`: cells of a power of ten, or of a duration, at most
`FINE_CELLS` across the values seen so far, made coarser as the range grows), and every bin is a run of whole
cells: the round width is a multiple of the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HISTOGRAM_BINS = 20
FINE_CELLS = 100_000
SNAP = 5e-7  # what is added to x / width before its floor

_S = 1_000_000  # microseconds in a second
# Cells of a datetime grid, each a multiple of the one before (so a cell count is made coarser by integer
# division): 1 µs .. 1 s by tens, then 10 s, 1 min, 10 min, 1 h, 1 day, 10 days, and on by tens.
TIME_CELLS = (
    [10**i for i in range(7)]
    + [10 * _S, 60 * _S, 600 * _S, 3600 * _S]
    + [86_400 * _S * 10**i for i in range(6)]
)
# Round durations for datetime bins (µs), smallest first: below a second by 1-2-5, then clock and calendar steps.
TIME_WIDTHS = sorted(
    {m * 10**i for i in range(6) for m in (1, 2, 5)}
    | {s * _S for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)}
    | {d * 86_400 * _S for d in (1, 2, 7, 14)}
    | {m * 10**i * 86_400 * _S for i in range(1, 6) for m in (1, 2, 5)}
)


@dataclass
class Bins:
    """A histogram's bins: `edges` (start, end) of each; a value x is in bin ⌊x / width + SNAP⌋ - `first`
    (`per_value`: in bin x - `first`)."""

    edges: list[tuple[float, float]]
    width: float
    first: int
    per_value: bool = False
    mantissa: int = 1  # the width is mantissa × 10^exponent
    exponent: int = 0


def histogram_bins(
    lo: float, hi: float, integer: bool, temporal: bool = False, cell: float | None = None
) -> Bins:
    """The bins of a column whose values run from `lo` to `hi` (finite; datetimes in µs). `cell`: the width
    of the fine grid the counts come from (a power of ten, or one of `TIME_CELLS`); the width is then a
    multiple of it."""
    if integer and not temporal and hi - lo + 1 <= HISTOGRAM_BINS:
        first = int(lo)
        return Bins([(v - 0.5, v + 0.5) for v in range(first, int(hi) + 1)], 1.0, first, per_value=True)
    if hi == lo:
        return Bins([(lo, hi)], 0.0, 0)
    if temporal:
        width = next(
            (w for w in TIME_WIDTHS if w * HISTOGRAM_BINS >= hi - lo and (cell is None or w % cell == 0)),
            None,
        )
        if width is None:  # bins of over 5 × 10^5 days: the largest cell by a power of ten
            width = TIME_CELLS[-1] * 10 ** math.ceil(math.log10((hi - lo) / HISTOGRAM_BINS / TIME_CELLS[-1]))
        first, last = math.floor(lo / width), math.floor(hi / width)
        edges: list[tuple[float, float]] = [(k * width, (k + 1) * width) for k in range(first, last + 1)]
        return Bins(edges, float(width), first, mantissa=int(width))  # a whole number of µs
    mantissa, exponent = round_width((hi - lo) / HISTOGRAM_BINS)
    if cell is not None:
        cell_exponent = round(math.log10(cell))
        if exponent < cell_exponent:
            mantissa, exponent = 1, cell_exponent
    width = mantissa * 10.0**exponent
    first, last = _snapped_floor(lo, mantissa, exponent), _snapped_floor(hi, mantissa, exponent)
    return Bins(
        [(_edge(k, mantissa, exponent), _edge(k + 1, mantissa, exponent)) for k in range(first, last + 1)],
        width,
        first,
        mantissa=mantissa,
        exponent=exponent,
    )


def round_width(least: float) -> tuple[int, int]:
    """The smallest m × 10^e at least `least` with m in (1, 2, 5), as (m, e)."""
    exponent = math.floor(math.log10(least))
    for e in (exponent, exponent + 1):
        for m in (1, 2, 5):
            if m * 10.0**e >= least * (1 - 1e-12):
                return m, e
    return 1, exponent + 2  # not reached


def _edge(k: int, mantissa: int, exponent: int) -> float:
    # k × m / 10^-e: dividing by an exact power of ten keeps 0.3 as 0.3 (3 × 0.1 is 0.30000000000000004).
    return k * mantissa / 10 ** (-exponent) if exponent < 0 else float(k * mantissa * 10**exponent)


def scaling(mantissa: int, exponent: int) -> tuple[int, int]:
    """x / (mantissa × 10^exponent) as x × multiplier / divisor, both exact integers: below 1, a width is
    applied by multiplying by a power of ten (0.01 has no exact binary value, 100 has)."""
    return (10 ** (-exponent), mantissa) if exponent < 0 else (1, mantissa * 10**exponent)


def _snapped_floor(x: float, mantissa: int, exponent: int) -> int:
    multiplier, divisor = scaling(mantissa, exponent)
    return math.floor(x * multiplier / divisor + SNAP)


def decimal_cell(lo: float, hi: float, integer: bool) -> int:
    """The exponent of the finest power-of-ten cell that spans `lo`..`hi` in at most `FINE_CELLS` cells (and
    keeps a cell's index within 10^15; an integer's cell is at least 1)."""
    span, size = hi - lo, max(abs(lo), abs(hi))
    exponent = math.ceil(math.log10(span / FINE_CELLS)) if span > 0 else (
        math.floor(math.log10(size)) - 9 if size > 0 else 0
    )  # fmt: skip
    if size > 0:
        exponent = max(exponent, math.ceil(math.log10(size)) - 15)
    return max(exponent, 0) if integer else exponent


def time_cell(lo: float, hi: float) -> int:
    """The index in `TIME_CELLS` of the finest cell that spans `lo`..`hi` µs in at most `FINE_CELLS` cells."""
    return next(
        (i for i, cell in enumerate(TIME_CELLS) if (hi - lo) / cell <= FINE_CELLS), len(TIME_CELLS) - 1
    )


class FineGrid:
    """Counts of a column's values per cell of a fine grid, added up over batches: `level` is the cell (a
    power-of-ten exponent, or an index in `TIME_CELLS`), `low` the index of the first cell, `counts` per
    cell from it."""

    def __init__(self, temporal: bool) -> None:
        self.temporal = temporal
        self.level: int | None = None
        self.low = 0
        self.counts = np.zeros(0, dtype=np.int64)

    @property
    def cell(self) -> float:
        assert self.level is not None
        return float(TIME_CELLS[self.level]) if self.temporal else 10.0**self.level

    def _ratio(self, level: int) -> int:
        assert self.level is not None
        return TIME_CELLS[level] // TIME_CELLS[self.level] if self.temporal else 10 ** (level - self.level)

    def coarsen(self, level: int) -> None:
        """Cells of `level` (if coarser) from now on; the counts so far are merged into them."""
        if self.level is None:
            self.level = level
            return
        if level <= self.level:
            return
        ratio = self._ratio(level)
        self.level = level
        if self.counts.size:
            index = (np.arange(self.counts.size, dtype=np.int64) + self.low) // ratio
            low = int(index[0])
            self.counts = np.bincount(index - low, weights=self.counts).astype(np.int64)
            self.low = low

    def add(self, cells: np.ndarray, weights: np.ndarray | None = None) -> None:
        """The cell indexes of a batch's values (at the current level; `weights`: how many values each
        stands for). When they and the counts so far span more than `FINE_CELLS` cells, the cells are made
        coarser first."""
        if not cells.size:
            return
        assert self.level is not None
        low, high = int(cells.min()), int(cells.max())
        if self.counts.size:
            low, high = min(low, self.low), max(high, self.low + self.counts.size - 1)
        while high - low >= FINE_CELLS and not (self.temporal and self.level == len(TIME_CELLS) - 1):
            ratio = self._ratio(self.level + 1)
            self.coarsen(self.level + 1)
            cells, low, high = cells // ratio, low // ratio, high // ratio
        counts = np.bincount(cells - low, weights=weights, minlength=high - low + 1).astype(np.int64)
        if self.counts.size:
            counts[self.low - low : self.low - low + self.counts.size] += self.counts
        self.low, self.counts = low, counts

    def histogram(self, bins: Bins) -> list[int]:
        """The count of each of `bins` (made with `cell=self.cell`)."""
        out = np.zeros(len(bins.edges), dtype=np.int64)
        if not self.counts.size or self.level is None:
            return out.tolist()
        index = np.arange(self.counts.size, dtype=np.int64) + self.low
        if len(bins.edges) == 1 and not bins.per_value:
            return [int(self.counts.sum())]
        if bins.per_value:  # integers: the cell is at most 1 (10^level)
            k = index // (10 ** (-self.level)) if self.level < 0 else index * 10**self.level
        else:
            ratio = round(bins.width / self.cell)
            k = index // ratio
        k = np.clip(k - bins.first, 0, len(bins.edges) - 1)
        return np.bincount(k, weights=self.counts, minlength=len(bins.edges)).astype(np.int64).tolist()
