"""The loop's CSV reader: offsets, filters, quoting with embedded newlines, files bigger than memory."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wfo.operators.csv_batches import Batch, CsvBatchError, CsvBatches, Cursor, RecordScanner


def _write_tricky(path: Path, rows: int = 500, line_end: str = "\n") -> list[dict[str, str]]:
    """Quoted fields with embedded newlines, commas, escaped quotes, CRLF, non-ASCII text."""
    rng = random.Random(7)
    expected = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator=line_end)
        writer.writerow(["id", "kind", "text"])
        for i in range(1, rows + 1):
            text = rng.choice(
                ["plain", 'say "hi"', "two\nlines", "comma, inside", "ünïcødé ✓", "", "end\r\nwith crlf\n"]
            )
            row = {"id": str(i), "kind": rng.choice(["a", "b", "c"]), "text": text}
            writer.writerow(row.values())
            expected.append(row)
    return expected


@pytest.mark.parametrize("fast_skip", [True, False])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("offset", [0, 1, 37, 499, 500, 800])
def test_offsets_match_the_csv_module(tmp_path: Path, fast_skip: bool, line_end: str, offset: int) -> None:
    path = tmp_path / "tricky.csv"
    expected = _write_tricky(path, line_end=line_end)
    batches = list(CsvBatches(str(path), batch_size=64, offset=offset, fast_skip=fast_skip))
    assert [row for b in batches for row in b.rows] == expected[offset:]
    assert all(len(b.rows) == 64 for b in batches[:-1])
    if batches:
        assert batches[0].first_row == offset + 1 and batches[-1].last_row == 500
        assert [b.number for b in batches] == list(range(1, len(batches) + 1))


def test_filter_and_row_ranges(tmp_path: Path) -> None:
    path = tmp_path / "tricky.csv"
    expected = _write_tricky(path)
    batches = list(
        CsvBatches(path.as_uri(), batch_size=10, offset=100, filter_by="kind", filter_values=["a", "c"])
    )
    wanted = [(n, r) for n, r in enumerate(expected, start=1) if n > 100 and r["kind"] in ("a", "c")]
    assert _all_rows_of(batches) == [r for _, r in wanted]
    # Each batch names the file rows it covers, so a failure can say which rows to look at.
    assert batches[0].first_row == wanted[0][0] and batches[0].last_row == wanted[9][0]
    assert batches[1].first_row == wanted[10][0]


def _all_rows_of(batches: list[Batch]) -> list[dict[str, Any]]:
    return [row for batch in batches for row in batch.rows]


def test_resume_from_a_cursor_gives_the_same_batch(tmp_path: Path) -> None:
    path = tmp_path / "tricky.csv"
    _write_tricky(path)
    reader = CsvBatches(str(path), batch_size=25, offset=3)
    first_pass = list(reader)
    # A retry starts from the cursor stored after batch 3 (byte position + row number), not from the top.
    cursor = Cursor(first_pass[2].next.position, first_pass[2].next.row)
    assert reader.batch(4, cursor) == first_pass[3]


def test_manual_file_url_with_localhost_and_json_records(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('a,b\n1,"x\ny"\n2,z\n', encoding="utf-8")
    (batch,) = CsvBatches(f"file://localhost{path}", batch_size=5)
    assert batch.records_json() == '[{"a": "1", "b": "x\\ny"}, {"a": "2", "b": "z"}]'


def test_blank_lines_and_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n\n3\n4,5", encoding="utf-8")  # no final newline either
    (batch,) = CsvBatches(str(path), batch_size=5)
    assert batch.rows == [{"a": "1", "b": "2"}, {"a": "3", "b": None}, {"a": "4", "b": "5"}]
    assert (batch.first_row, batch.last_row) == (1, 4)


def test_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CsvBatchError, match="row 1 .* has 3 fields, the header has 2"):
        list(CsvBatches(str(path)))
    with pytest.raises(CsvBatchError, match="'nope' is not in the header .*: a, b"):
        list(CsvBatches(str(path), filter_by="nope", filter_values=["1"]))
    with pytest.raises(CsvBatchError, match="not found"):
        list(CsvBatches(str(tmp_path / "missing.csv")))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CsvBatchError, match="is empty"):
        list(CsvBatches(str(tmp_path / "empty.csv")))
    for kwargs, message in [
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"offset": -1}, "batch_offset must be an integer >= 0"),
        ({"filter_by": "a"}, "give both or neither"),
        ({"filter_by": "a", "filter_values": "1"}, "must be a list"),
    ]:
        with pytest.raises(CsvBatchError, match=message):
            CsvBatches(str(path), **kwargs)  # type: ignore[arg-type]


def test_scanner_counts_records_across_chunk_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "tricky.csv"
    _write_tricky(path, rows=300)
    with open(path, "rb") as handle:
        records = list(csv.reader(handle.read().decode().splitlines(keepends=True)))
    for chunk_size in (1, 7, 64, 4096):
        with open(path, "rb") as handle:
            scanner = RecordScanner(handle, chunk_size=chunk_size)
            assert scanner.skip(1 + 120) == 121  # header + 120 rows
            handle.seek(scanner.position)
            rest = list(csv.reader(handle.read().decode().splitlines(keepends=True)))
        assert rest == records[121:]
    with open(path, "rb") as handle:
        assert RecordScanner(handle, chunk_size=13).skip(10_000) == 301
    data = path.read_bytes()
    for chunk_size in (50, 333):
        for skip in range(0, 302, 7):
            with open(path, "rb") as handle:
                scanner = RecordScanner(handle, chunk_size=chunk_size)
                scanner.skip(skip)
            rest = list(csv.reader(data[scanner.position :].decode().splitlines(keepends=True)))
            assert rest == records[skip:], (chunk_size, skip)


MEMORY_SCRIPT = """
import resource, sys
from wfo.operators.csv_batches import CsvBatches
reader = CsvBatches(sys.argv[1], batch_size=10, offset=int(sys.argv[2]))
batch = reader.batch(1, reader.start())
print(batch.rows[0]["id"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_a_file_bigger_than_the_memory_budget_is_read_without_holding_it(tmp_path: Path) -> None:
    """A 200 MB file read to its last rows while peak memory grows < 40 MB over the imports' baseline."""
    path = tmp_path / "big.csv"
    line = "x" * 180
    rows = 1_000_000
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("id,payload\n")
        block = "".join(f'{i},"{line}\n{i}"\n' for i in range(1000))
        for _ in range(rows // 1000):
            handle.write(block)  # ids repeat every 1,000 rows
    assert path.stat().st_size > 150_000_000
    baseline = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, wfo.operators.csv_batches, fsspec, csv, json;"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(path), str(rows - 5)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == str((rows - 5) % 1000)  # the row just after the offset, quoted newlines respected
    grown_mb = (int(out[1]) - int(baseline)) / 1024
    assert grown_mb < 40, f"peak memory grew by {grown_mb:.0f} MB while reading a 200 MB file"


def test_the_operator_refuses_bad_parameters_when_the_dag_is_parsed() -> None:
    from wfo.operators import CoutureLoopableBatchOperator

    with pytest.raises(ValueError, match="loop: batch_size must be a positive integer"):
        CoutureLoopableBatchOperator(task_id="loop", run_dag_id="child", metadata_file="m.csv", batch_size=0)
    with pytest.raises(ValueError, match="give both or neither"):
        CoutureLoopableBatchOperator(task_id="loop", run_dag_id="child", metadata_file="m.csv", filter_by="a")
    # Templated values are checked once rendered, when the task runs.
    CoutureLoopableBatchOperator(
        task_id="loop", run_dag_id="child", metadata_file="m.csv", batch_size="{{ params.size }}"
    )
