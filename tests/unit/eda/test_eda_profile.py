"""L0 statistics on data whose numbers are known by hand, and the edge cases of the issue."""

from __future__ import annotations

import gzip
import io
import math
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from wfo.eda.engine import frames
from wfo.eda.engine import profile as profile_module
from wfo.eda.engine.frames import scan_file
from wfo.eda.engine.profile import profile_file
from wfo.eda.errors import UnreadableSource
from wfo.eda.report_html import render
from wfo.eda.schemas import Report

from helpers.small_disk import small_disk
from helpers.xlsx import write_xlsx


def zipped(data: bytes) -> bytes:
    """`data` as the only member of a zip archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", data)
    return out.getvalue()


# Every test reads its file both ways: parsed once into memory (a file under the limit) and streamed.
READS = {"in memory": 1 << 30, "streamed": 0}
in_memory_bytes = READS["in memory"]


@pytest.fixture(autouse=True, params=list(READS))
def read_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(globals(), "in_memory_bytes", READS[request.param])
    return str(request.param)


def run(path: Path) -> Report:
    report = profile_file(path, source=path.name, in_memory_bytes=in_memory_bytes)
    # The JSON twin reads back as the same report (the documented schema is the model).
    assert Report.model_validate_json(report.model_dump_json()) == report
    return report


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_numeric_statistics_are_exact(tmp_path: Path) -> None:
    # x: mean 5, population variance 4; central moments m3 = 5.25, m4 = 44.5 (by hand).
    xs = [2, 4, 4, 4, 5, 5, 7, 9]
    ys = [-1.5, 0, 0, 2, 3, -4, 1, 0]
    text = "x,y\n" + "".join(f"{x},{y}\n" for x, y in zip(xs, ys, strict=True))
    c = run(write(tmp_path, text)).columns
    x = c["x"]
    assert x.kind == "numeric"
    assert (x.count, x.missing, x.distinct, x.distinct_exact) == (8, 0, 5, True)
    assert (x.min, x.max, x.mean) == (2, 9, 5)
    assert x.std == pytest.approx(math.sqrt(32 / 7))
    assert x.skewness == pytest.approx(5.25 / 8)
    assert x.kurtosis == pytest.approx(44.5 / 16 - 3)
    assert x.quantiles is not None and x.quantiles_exact
    assert (x.quantiles.p25, x.quantiles.p50, x.quantiles.p75) == (4, 4.5, 5.5)
    assert x.iqr == 1.5
    assert (x.zeros, x.negatives) == (0, 0)
    # Integers over a short range: one bar per value.
    assert [(b.start, b.count) for b in x.histogram if b.count] == [
        (1.5, 1),
        (3.5, 3),
        (4.5, 2),
        (6.5, 1),
        (8.5, 1),
    ]
    assert sum(b.count for b in x.histogram) == 8
    assert x.top_values[0].value == "4" and x.top_values[0].count == 3
    y = c["y"]
    assert (y.zeros, y.negatives, y.min, y.max) == (3, 2, -4, 3)
    # Otherwise at most 21 bins of a round width (here 0.5) on its multiples, from the one holding the min.
    assert [(b.start, b.end) for b in y.histogram] == [(-4 + i / 2, -3.5 + i / 2) for i in range(15)]
    assert [(b.start, b.count) for b in y.histogram if b.count] == [
        (-4.0, 1),
        (-1.5, 1),
        (0.0, 3),
        (1.0, 1),
        (2.0, 1),
        (3.0, 1),
    ]


def test_kinds_missing_and_warnings(tmp_path: Path) -> None:
    rows = [
        f"{i},{'yes' if i < 10 else 'no'},{'true' if i % 2 else 'false'},2024-01-{i + 1:02d},,{i}"
        for i in range(12)
    ]
    text = "row,answer,flag,day,nothing,mixed\n" + "\n".join(rows[:-1]) + "\n11,no,true,2024-01-12,,eleven\n"
    report = run(write(tmp_path, text))
    c = report.columns
    assert {name: s.kind for name, s in c.items()} == {
        "row": "id",
        "answer": "categorical",
        "flag": "boolean",
        "day": "datetime",
        "nothing": "empty",
        "mixed": "mixed",
    }
    assert c["nothing"].missing == 12 and c["nothing"].missing_share == 1.0 and c["nothing"].distinct == 0
    assert c["day"].first == "2024-01-01T00:00:00" and c["day"].last == "2024-01-12T00:00:00"
    assert sum(b.count for b in c["day"].histogram) == 12
    assert c["mixed"].numeric_share == pytest.approx(11 / 12, abs=1e-6)
    assert [v.model_dump() for v in c["answer"].top_values] == [
        {"value": "yes", "count": 10},
        {"value": "no", "count": 2},
    ]
    kinds = {(w.column, w.kind) for w in report.warnings}
    assert {("nothing", "empty"), ("mixed", "mixed_types"), ("row", "id"), ("row", "unique")} <= kinds
    assert report.overview.rows == 12 and report.overview.missing_cells == 12
    assert report.overview.kinds == {
        "id": 1,
        "categorical": 1,
        "boolean": 1,
        "datetime": 1,
        "empty": 1,
        "mixed": 1,
    }


def test_constant_imbalance_and_duplicates(tmp_path: Path) -> None:
    text = "k,v\n" + "a,1\n" * 19 + "b,1\n"
    report = run(write(tmp_path, text))
    assert report.overview.duplicate_rows == 18
    assert "constant" in {w.kind for w in report.warnings if w.column == "v"}
    assert "imbalance" in {w.kind for w in report.warnings if w.column == "k"}


def test_correlations_by_hand(tmp_path: Path) -> None:
    # y = x³: monotone (Spearman 1) but not linear (Pearson < 1); z = −x (Pearson −1).
    # a and b move together (Cramér's V 1); a and c are independent (Cramér's V 0).
    rows = [
        (x, x**3, -x, "p" if x <= 2 else "q", "s" if x <= 2 else "t", "u" if x % 2 else "w")
        for x in range(1, 5)
    ]
    text = "x,y,z,a,b,c\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    corr = run(write(tmp_path, text)).correlations
    assert corr.spearman["x"]["y"] == 1.0
    assert 0.9 < corr.pearson["x"]["y"] < 1.0  # type: ignore[operator]
    assert corr.pearson["x"]["z"] == -1.0
    assert corr.cramers_v["a"]["b"] == 1.0
    assert corr.cramers_v["a"]["c"] == 0.0


def test_empty_file(tmp_path: Path) -> None:
    report = run(write(tmp_path, ""))
    assert (report.overview.rows, report.overview.columns, report.columns) == (0, 0, {})
    assert report.warnings[0].kind == "empty"


def test_header_only(tmp_path: Path) -> None:
    report = run(write(tmp_path, "a,b\n"))
    assert report.overview.rows == 0
    assert {n: (c.kind, c.count, c.distinct) for n, c in report.columns.items()} == {
        "a": ("empty", 0, 0),
        "b": ("empty", 0, 0),
    }


def test_one_row(tmp_path: Path) -> None:
    report = run(write(tmp_path, "n,s\n3.5,hello\n"))
    n = report.columns["n"]
    assert (n.min, n.max, n.mean, n.std, n.skewness) == (3.5, 3.5, 3.5, None, None)
    assert n.quantiles is not None and n.quantiles.p50 == 3.5
    assert report.columns["s"].top_values[0].value == "hello"
    assert report.sample == [{"n": "3.5", "s": "hello"}]


def test_quoted_newlines_unicode_and_formula_text(tmp_path: Path) -> None:
    text = 'note,"naïve <b>名前</b>"\n"line one\nline two",=cmd|\' /C calc\'!A0\nplain,ü\n'
    report = run(write(tmp_path, text))
    assert report.overview.rows == 2
    assert list(report.columns) == ["note", "naïve <b>名前</b>"]
    assert report.sample[0] == {"note": "line one\nline two", "naïve <b>名前</b>": "=cmd|' /C calc'!A0"}
    assert report.columns["note"].lengths is not None and report.columns["note"].lengths.max == 17


def test_tsv(tmp_path: Path) -> None:
    report = run(write(tmp_path, "a\tb\n1\tx,y\n2\tz\n", name="data.tsv"))
    assert list(report.columns) == ["a", "b"]
    assert report.columns["b"].top_values[0].value in ("x,y", "z")


def test_excel_values_not_formulas(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "book.xlsx",
        [["n", "s", "linked"], [1, "a", ("SUM([1]Sheet1!A1:A2)", 3)], [2.5, "<b>", ("'[2]Other'!B2", 4)]],
        external_link="file:///etc/passwd",
    )
    report = run(path)
    assert report.columns["n"].kind == "numeric" and report.columns["n"].mean == 1.75
    # A formula reaching into another workbook is read as its cached value, never evaluated or followed.
    assert report.columns["linked"].mean == 3.5
    assert report.columns["s"].source_type == "String"


def test_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnreadableSource, match="spreadsheet"):
        scan_file(path)


def test_large_source_samples_and_sketches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Bounds lowered so the sampled and estimated paths run on a small file.
    monkeypatch.setattr(profile_module, "SAMPLE_ROWS", 1_000)
    monkeypatch.setattr(profile_module, "DISTINCT_EXACT_BOUND", 100)
    monkeypatch.setattr(profile_module, "BATCH_ROWS", 3_000)  # streamed: pass 2 adds up 7 batches
    n = 20_000
    frame = pl.DataFrame({"i": range(n), "g": [i % 7 for i in range(n)], "s": [f"v{i}" for i in range(n)]})
    # 1 500 rows again, 500 of them three times: 2 000 duplicate rows in all.
    again = pl.concat([frame.slice(100, 1_000), frame.slice(5_000, 500), frame.slice(5_000, 500)])
    whole = pl.concat([frame, again])
    whole.write_csv(tmp_path / "big.csv")
    n, median = whole.height, whole["i"].median()
    report = run(tmp_path / "big.csv")
    assert report.overview.rows == n and report.overview.duplicate_rows == 2_000
    assert report.statistics_sampling.rows_total == n
    assert 500 < report.statistics_sampling.rows_used < 1_500
    i, g, s = report.columns["i"], report.columns["g"], report.columns["s"]
    # Whole-file statistics stay exact; the distinct count of i is a sketch (polars' HyperLogLog).
    assert (i.min, i.max, i.count) == (0, 19_999, n)
    assert not i.distinct_exact and abs(i.distinct - 20_000) < 20_000 * 0.2
    assert not i.quantiles_exact and i.quantiles is not None and abs(i.quantiles.p50 - median) < 1_000
    assert g.distinct_exact and g.distinct == 7 and g.top_values_exact
    assert sum(v.count for v in g.top_values) == n
    assert sum(b.count for b in g.histogram) == n
    assert not s.top_values_exact


def test_without_disk_room_for_the_row_hashes_duplicates_are_not_counted(
    tmp_path: Path, read_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Streamed, the row hashes go to the temporary disk (8 bytes a row); here it has 256 KiB for 40 000 rows.
    pl.DataFrame({"i": [i % 30_000 for i in range(40_000)]}).write_csv(tmp_path / "rows.csv")
    with small_disk(256 * 1024) as disk:
        if disk is None:
            pytest.skip("this machine does not let the test mount a small tmpfs")
        monkeypatch.setattr(tempfile, "tempdir", str(disk))
        report = run(tmp_path / "rows.csv")
        assert list(disk.iterdir()) == []  # nothing left behind
    if read_mode == "in memory":  # nothing goes to disk
        assert report.overview.duplicate_rows == 10_000 and report.overview.duplicate_rows_not_counted is None
        return
    assert report.overview.duplicate_rows is None
    assert report.overview.duplicate_rows_not_counted is not None
    assert (
        "no room for the row hashes on the worker's temporary disk"
        in report.overview.duplicate_rows_not_counted
    )
    assert report.overview.rows == 40_000 and report.columns["i"].max == 29_999  # the rest is whole
    assert "not counted (no room for the row hashes" in render(report)


def test_zero_and_negative_zero_are_two_values(tmp_path: Path) -> None:
    text = "x\n" + "0.0\n" * 3 + "-0.0\n" * 2 + "1.5\n"
    x = run(write(tmp_path, text)).columns["x"]
    assert (x.distinct, x.distinct_exact) == (2 + 1, True)
    assert [(v.value, v.count) for v in x.top_values] == [("0.0", 3), ("-0.0", 2), ("1.5", 1)]
    assert x.zeros == 5


def test_a_late_value_that_is_not_a_date_or_boolean_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only columns whose first rows are all dates (booleans) are checked for it over every row.
    monkeypatch.setattr(profile_module, "HEAD_ROWS", 5)
    rows = [f"2024-01-{i % 4 + 1:02d},{('yes', 'no')[i % 2]},{('true', 'false')[i % 2]}" for i in range(12)]
    text = "day,answer,flag\n" + "\n".join(rows) + "\nsoon,yes,maybe\n"
    c = run(write(tmp_path, text)).columns
    assert (c["day"].kind, c["answer"].kind, c["flag"].kind) == ("categorical", "categorical", "categorical")


def test_a_late_value_of_another_type_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The typed read guesses from the first rows; a text value after them falls back to reading text.
    monkeypatch.setattr(frames, "INFER_ROWS", 5)
    text = "n,m\n" + "".join(f"{2 * i},{i}\n" for i in range(20)) + "40,twenty\n"
    c = run(write(tmp_path, text)).columns
    assert (c["n"].kind, c["n"].max, c["n"].source_type) == ("numeric", 40, "String")
    assert c["m"].kind == "mixed" and c["m"].numeric_share == pytest.approx(20 / 21, abs=1e-6)


@pytest.mark.parametrize("compress", [gzip.compress, zipped])
def test_a_compressed_csv_is_refused_not_expanded(tmp_path: Path, compress: Callable[[bytes], bytes]) -> None:
    # 200 kB that stand for 50 M rows: polars would decompress it on the fly.
    path = tmp_path / "bomb.csv"
    path.write_bytes(compress(b"a,b\n" + b"0,0\n" * 5_000_000))
    with pytest.raises(UnreadableSource, match="compressed"):
        profile_file(path, source="bomb.csv")


def test_decimals_on_a_bin_edge_count_in_the_bin_they_start(tmp_path: Path) -> None:
    # 0.10 .. 0.29: bins 0.01 wide, one value each; 0.29 / 0.01 is 28.999999999999996 in binary.
    values = [round(0.10 + i / 100, 2) for i in range(20)]
    x = run(write(tmp_path, "x\n" + "".join(f"{v}\n" for v in values))).columns["x"]
    assert [(b.start, b.count) for b in x.histogram] == [(v, 1) for v in values]


def test_histograms_stay_exact_when_the_range_grows_batch_by_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each batch reaches further than the ones before (x by powers of ten, t by years), so the fine grid
    # the counts are kept on is made coarser batch after batch; the counts must not change by it.
    monkeypatch.setattr(profile_module, "BATCH_ROWS", 1_000)
    monkeypatch.setattr(profile_module, "DISTINCT_EXACT_BOUND", 50)  # batches of 100 rows
    n = 6_000
    xs = [(i % 97) * 10 ** (i // 1_000) / 3 for i in range(n)]
    days = [(i % 89) * (1 + 30 * (i // 1_000)) for i in range(n)]
    frame = pl.DataFrame({"x": xs, "d": days}).select(
        "x", t=pl.datetime(2000, 1, 1) + pl.duration(days=pl.col("d"), hours=pl.col("d") % 24)
    )
    frame.write_csv(tmp_path / "growing.csv")
    c = run(tmp_path / "growing.csv").columns
    x, t = c["x"], c["t"]
    assert (x.kind, t.kind) == ("numeric", "datetime")
    expected = [sum(1 for v in xs if b.start <= v < b.end) for b in x.histogram]
    expected[-1] += sum(1 for v in xs if v == x.histogram[-1].end)
    assert [b.count for b in x.histogram] == expected and sum(expected) == n
    assert x.histogram[0].start == 0 and x.histogram[1].start == x.histogram[1].end - x.histogram[0].end
    stamps = frame["t"].to_list()
    edges = [(datetime.fromisoformat(b.start), datetime.fromisoformat(b.end)) for b in t.histogram]
    assert [b.count for b in t.histogram] == [sum(1 for s in stamps if a <= s < e) for a, e in edges]
    assert sum(b.count for b in t.histogram) == n
