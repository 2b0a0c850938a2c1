"""The Spark engine against the polars engine on a hand-computable CSV (one local SparkSession per module).

Exact statistics must be equal (rows, missing, min, max, mean, moments, top values of text, kinds,
warnings); approximate ones within what Spark promises: distinct counts from HyperLogLog++ at 1 % relative
error (exact below the bound here, so equal), quantiles from `percentile_approx` (one of the two values
around the exact rank, where the polars engine interpolates between them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.eda.engine.profile import profile_file
from wfo.eda.engine.spark_profile import profile_spark, read_csv
from wfo.eda.report_html import render
from wfo.eda.schemas import Report
from wfo.eda.task import choose_engine

HEADER = "<b>Prénom & 'x'</b>"
AMOUNTS = [1.5, -2, 0, 3.25, None, 10, 7, 7, 0, 4, 100, -1]


def _golden(path: Path) -> Path:
    lines = [f"id,amount,score,colour,flag,when,note,empty,{HEADER}"]
    for i in range(1, 13):
        amount = AMOUNTS[i - 1]
        lines.append(
            ",".join(
                [
                    str(i),
                    "" if amount is None else str(amount),
                    str(i * i if i != 3 else ""),
                    ["red", "green", "blue"][i % 3],
                    "true" if i % 4 else "false",
                    f"2024-01-{i:02d}" + (" 10:30:00" if i % 2 else ""),
                    ['"héllo, ""wörld"""', "<script>x</script>", "a", "abc def"][i % 4],
                    "",
                    ["é", "ß", "日本"][i % 3],
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("wfo-eda-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def reports(spark: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report]:
    path = _golden(tmp_path_factory.mktemp("golden") / "golden.csv")
    by_polars = profile_file(path, source="file:///golden.csv")
    by_spark = profile_spark(read_csv(spark, str(path), ","), source="file:///golden.csv")  # type: ignore[arg-type]
    return by_polars, by_spark


def test_exact_statistics_match_polars(reports: tuple[Report, Report]) -> None:
    a, b = reports
    assert b.engine.startswith("spark ")
    assert list(b.columns) == list(a.columns) and HEADER in b.columns
    assert b.overview.model_dump() | {"memory_bytes": 0} == a.overview.model_dump() | {"memory_bytes": 0}
    assert b.overview.rows == 12 and b.overview.duplicate_rows == 0
    for name, pa in a.columns.items():
        pb = b.columns[name]
        for field in (
            "kind",
            "count",
            "missing",
            "missing_share",
            "distinct",
            "zeros",
            "negatives",
            "warnings",
        ):
            assert getattr(pb, field) == getattr(pa, field), (name, field)
        for field in ("min", "max", "mean", "std", "skewness", "kurtosis"):
            x, y = getattr(pa, field), getattr(pb, field)
            assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (name, field)
        assert [h.count for h in pb.histogram] == [h.count for h in pa.histogram], name
        assert (pb.first, pb.last) == (pa.first, pa.last), name
        if pa.kind in ("numeric", "id"):  # polars read them typed ("0.0"), Spark as text ("0")
            assert [(float(v.value), v.count) for v in pb.top_values] == [
                (float(v.value), v.count) for v in pa.top_values
            ], name
        elif pa.kind != "boolean":
            assert pb.top_values == pa.top_values, name
    amount = b.columns["amount"]
    assert (amount.missing, amount.min, amount.max, amount.zeros, amount.negatives) == (1, -2.0, 100.0, 2, 2)
    assert amount.mean == pytest.approx(sum(v for v in AMOUNTS if v is not None) / 11, abs=1e-9)
    assert b.columns["colour"].top_values[0].count == 4 and b.columns["empty"].kind == "empty"
    assert b.columns["when"].kind == "datetime" and b.columns["when"].first == "2024-01-01T10:30:00"
    assert b.warnings == a.warnings


def test_approximate_statistics_within_tolerance(reports: tuple[Report, Report]) -> None:
    a, b = reports
    for name in ("amount", "score", "id"):
        values = sorted(float(v) for v in _values(b, name))
        q = b.columns[name].quantiles
        assert q is not None and b.columns[name].quantiles_exact is False
        for p in (5, 25, 50, 75, 95):
            rank = p / 100 * (len(values) - 1)  # polars' linear interpolation sits between these two
            assert values[math.floor(rank)] <= getattr(q, f"p{p}") <= values[math.ceil(rank)], (name, p)
    for name, pa in a.columns.items():
        assert abs(b.columns[name].distinct - pa.distinct) <= 0.02 * max(pa.distinct, 1), name
    # Pearson by Spark over every row, Spearman and Cramér's V on the (here complete) sample by polars.
    assert b.correlations.pearson["amount"]["score"] == pytest.approx(
        a.correlations.pearson["amount"]["score"]
    )
    assert b.correlations.spearman == a.correlations.spearman
    assert b.correlations.cramers_v == a.correlations.cramers_v


def _values(report: Report, name: str) -> list[str]:
    return [v.value for v in report.columns[name].top_values for _ in range(v.count)]


def test_report_renders_from_the_spark_twin(reports: tuple[Report, Report]) -> None:
    _, b = reports
    html = render(Report.model_validate_json(b.model_dump_json()))
    assert "<script>x</script>" not in html and "&lt;b&gt;Prénom" in html
    assert b.engine in html


def test_a_column_of_infinities_has_no_histogram(spark: object, tmp_path: Path) -> None:
    path = tmp_path / "infinite.csv"
    path.write_text("x,y\nInfinity,1\n-Infinity,2\nInfinity,3\n", encoding="utf-8")
    by_polars = profile_file(path, source="infinite.csv")
    by_spark = profile_spark(read_csv(spark, str(path), ","), source="infinite.csv")  # type: ignore[arg-type]
    for report in (by_polars, by_spark):
        x = report.columns["x"]
        assert (x.kind, x.min, x.max, x.histogram) == ("numeric", -math.inf, math.inf, [])
        assert [b.count for b in report.columns["y"].histogram] == [1, 1, 1]


def test_engine_choice(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a\n" + b"1\n" * 100)
    assert choose_engine("auto", "preliminary", path, 100) == "spark"
    assert choose_engine("auto", "preliminary", path, 10_000) == "polars"
    assert choose_engine("auto", "preliminary", path, 0) == "polars"  # 0: auto never picks Spark
    assert choose_engine("spark", "data_importance", path, 100) == "polars"
    assert choose_engine("spark", "preliminary", path, 0) == "spark"


def test_auto_falls_back_to_polars_without_spark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "auto" chose Spark for the size, but no config group gives a session: polars reports; "spark" fails."""
    from wfo.eda import task
    from wfo.eda.engine import analyse
    from wfo.eda.spark_session import SparkUnavailable
    from wfo.settings import Settings
    from wfo.storage.objectstore import ObjectStore

    settings = Settings(home=tmp_path, eda_spark_above_bytes=1)
    (tmp_path / "eda-data").mkdir()
    (tmp_path / "eda-data" / "small.csv").write_text("a,b\n1,x\n2,y\n")

    def no_spark(*args: object, **kwargs: object) -> Report:
        raise SparkUnavailable("the Spark engine needs a published config group: none is the default")

    monkeypatch.setattr(task, "get_settings", lambda: settings)
    monkeypatch.setattr(analyse, "profile_file_spark", no_spark)
    conf = {"source": f"file://{tmp_path}/eda-data/small.csv", "output": "outputs/t/preliminary/r.html"}
    assert task.run_from_conf({**conf, "engine": "auto"})["rows"] == 2
    twin = Report.model_validate_json(
        ObjectStore.from_settings(settings).get_bytes("outputs/t/preliminary/r.json")
    )
    assert twin.engine.startswith("polars ")
    with pytest.raises(SparkUnavailable, match="published config group"):
        task.run_from_conf({**conf, "engine": "spark"})
