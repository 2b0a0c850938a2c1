"""The JSON twin of an EDA report: its documented schema (pydantic models; `docs/eda.md`).

A preliminary (L0) report is a `Report` with `importance` unset; a data-importance (L1) report adds it.
Per-column statistics are under `columns`, keyed by column name in the source's order. Statistics that
do not apply to a column's kind are `null`. `exact` flags say when a number comes from a sketch or a
sample instead of the whole source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "text", "id", "mixed", "empty"]
ReportKind = Literal["preliminary", "data_importance"]


class Overview(BaseModel):
    rows: int
    columns: int
    missing_cells: int
    missing_share: float
    duplicate_rows: int | None = Field(
        description="Rows equal to an earlier row; null when not counted (`duplicate_rows_not_counted` says why)."
    )
    duplicate_rows_not_counted: str | None = Field(
        default=None,
        description="Why `duplicate_rows` is null (the Spark engine past 20 M rows, no disk room).",
    )
    memory_bytes: int = Field(description="Estimated in-memory size of the data (polars, all columns).")
    kinds: dict[str, int] = Field(description="How many columns of each inferred kind.")


class Bin(BaseModel):
    start: float | str
    end: float | str
    count: int


class ValueCount(BaseModel):
    value: str
    count: int


class Quantiles(BaseModel):
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float


class TextLengths(BaseModel):
    min: int
    max: int
    mean: float


class ColumnStats(BaseModel):
    kind: ColumnKind
    source_type: str = Field(description="The type the source declared (a CSV's columns are all String).")
    count: int = Field(description="Non-missing values.")
    missing: int
    missing_share: float
    distinct: int
    distinct_exact: bool
    unique_share: float
    # numeric
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: Quantiles | None = None
    quantiles_exact: bool | None = None
    iqr: float | None = None
    skewness: float | None = None
    kurtosis: float | None = Field(default=None, description="Excess kurtosis (0 for a normal distribution).")
    zeros: int | None = None
    negatives: int | None = None
    numeric_share: float | None = Field(
        default=None, description="Share of non-missing text values that read as numbers (text sources)."
    )
    # datetime
    first: str | None = None
    last: str | None = None
    # text and categories
    lengths: TextLengths | None = None
    top_values: list[ValueCount] = Field(default_factory=list)
    top_values_exact: bool = True
    histogram: list[Bin] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class Correlations(BaseModel):
    """Square matrices over `columns`; `null` where a pair has too few values."""

    pearson: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    spearman: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    cramers_v: dict[str, dict[str, float | None]] = Field(default_factory=dict)


class Warning_(BaseModel):
    column: str | None
    kind: str
    message: str


class Sampling(BaseModel):
    rows_total: int
    rows_used: int
    method: str


class TargetBin(BaseModel):
    """One bin of a feature (a value range or a category) and the target over its rows."""

    label: str
    rows: int
    target: float = Field(description="Mean target (regression) or the share of `Importance.positive_class`.")


class FeatureImportance(BaseModel):
    feature: str
    kind: ColumnKind
    mutual_information: float
    permutation_importance: float
    permutation_importance_std: float
    rank: int
    target_by_bin: list[TargetBin] = Field(default_factory=list)


class Importance(BaseModel):
    target: str
    task: Literal["classification", "regression"]
    task_detected: Literal["classification", "regression"]
    positive_class: str | None = Field(
        default=None, description="Classification: the class whose share `target_by_bin` shows (the rarest)."
    )
    classes: int | None = None
    model: str
    cv_metric: str
    cv_scores: list[float]
    cv_score_mean: float
    sampling: Sampling
    features: list[FeatureImportance]
    skipped: dict[str, str] = Field(default_factory=dict, description="Columns left out, and why.")


class Report(BaseModel):
    schema_version: int = SCHEMA_VERSION
    kind: ReportKind
    source: str
    generated_at: str
    engine: str
    seconds: float
    overview: Overview
    columns: dict[str, ColumnStats]
    correlations: Correlations
    warnings: list[Warning_]
    sample: list[dict[str, str | None]] = Field(description="The first rows, values as text.")
    statistics_sampling: Sampling
    importance: Importance | None = None
