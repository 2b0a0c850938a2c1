"""Stream a CSV from any fsspec URL in batches of rows, seeking to an offset without parsing what it skips.

Used by `CoutureLoopableBatchOperator`. Memory stays flat however large the file is: the file is read in
1 MiB chunks and only the rows of the current batch are kept.

Records are found at byte level: a record ends at a newline (LF or CRLF) that is outside double quotes, so
quoted fields with embedded newlines stay one record. A quote toggles "inside quotes"; an escaped quote
(`""`, RFC 4180) toggles twice, so the parity is right. Skipping rows therefore splits each chunk at
newlines and counts quotes per line (both at C speed) and never decodes or parses the skipped rows.
This assumes RFC 4180 quoting (quotes around whole fields) and an ASCII-compatible encoding (UTF-8,
Latin-1...); files with stray quotes inside unquoted fields (`ab"c`) can be read with `fast_skip=False`,
which skips with the csv module instead (exact csv semantics, slower). Batch rows are always parsed by
the csv module, fed one physical line at a time so the byte position after each row is known exactly
(the resume cursor).

Rows are numbered from 1 after the header (a blank line counts as a row but is never sent).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import and_
from typing import IO, Any

CHUNK_SIZE = 1 << 20
QUOTE = b'"'
NEWLINE = b"\n"


class CsvBatchError(ValueError):
    """The CSV or the batch parameters are unusable (missing column, bad row, bad parameter)."""


def normalize_url(url: str) -> str:
    """Accept the manual's `file://localhost/path` form (a host is expected in file URLs) as well."""
    if url.startswith("file://localhost/"):
        return "file:///" + url[len("file://localhost/") :]
    return url


def _record_ends(buf: bytes, start: int, limit: int | None = None) -> tuple[int, int]:
    """Count complete records in buf[start:] (stopping after `limit`); returns (count, position after).

    Splits at every newline and counts quotes per line, both at C speed. A line with an odd number of
    quotes opens (or closes) a quoted field spanning lines: the newlines from an opening line up to the
    closing one are inside quotes. Such lines are rare, so only they are visited in Python.
    """
    if buf.find(QUOTE, start) < 0:
        count = buf.count(NEWLINE, start)
        if limit is not None and count > limit:
            pos = start - 1
            for _ in range(limit):
                pos = buf.index(NEWLINE, pos + 1)
            return limit, pos + 1
        return count, (buf.rfind(NEWLINE, start) + 1 if count else start)
    lines = buf[start:].split(NEWLINE)
    del lines[-1]  # the part after the last newline: not a complete line
    total = len(lines)
    parity = bytes(map(and_, map(bytes.count, lines, repeat(QUOTE)), repeat(1)))
    odd: list[int] = []
    index = parity.find(1)
    while index >= 0:
        odd.append(index)
        index = parity.find(1, index + 1)
    # Half-open ranges of lines whose newline is inside quotes; an unpaired opener runs to the end.
    inside = [(odd[i], odd[i + 1] if i + 1 < len(odd) else total) for i in range(0, len(odd), 2)]
    count = total - sum(stop - begin for begin, stop in inside)
    if limit is not None and count > limit:
        last = limit - 1  # the limit-th record-ending line, mapped through the inside ranges
        for begin, stop in inside:
            if last >= begin:
                last += stop - begin
            else:
                break
        count = limit
    elif inside and inside[-1][1] == total:
        last = inside[-1][0] - 1
    else:
        last = total - 1
    if count == 0:
        return 0, start
    return count, start + sum(map(len, lines[: last + 1])) + last + 1


class RecordScanner:
    """Splits a binary stream into CSV records (raw bytes) at newlines outside double quotes."""

    def __init__(self, stream: IO[bytes], position: int = 0, chunk_size: int = CHUNK_SIZE) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._buf = b""
        self._at = 0  # index in _buf of the next record
        self.position = position  # byte offset in the file of the next record

    def _fill(self) -> bool:
        """Append a chunk (dropping what was consumed); False at end of file."""
        chunk = self._stream.read(self._chunk_size)
        if not chunk:
            return False
        self._buf = self._buf[self._at :] + chunk
        self._at = 0
        return True

    def skip(self, n: int) -> int:
        """Skip up to n records without decoding them; returns how many were skipped."""
        remaining = n
        while remaining > 0:
            count, end = _record_ends(self._buf, self._at, remaining)
            remaining -= count
            self.position += end - self._at
            self._at = end
            if remaining == 0:
                break
            if not self._fill():
                if self._at < len(self._buf):  # a last record without a final newline
                    self.position += len(self._buf) - self._at
                    self._at = len(self._buf)
                    remaining -= 1
                break
        return n - remaining


@dataclass(frozen=True)
class Cursor:
    """Where the next batch starts: a byte position at a record boundary and that record's row number."""

    position: int
    row: int  # rows consumed before `position` (1-based number of the next row minus one)


@dataclass
class Batch:
    number: int  # 1-based
    rows: list[dict[str, Any]]
    first_row: int  # file row numbers (1 = first row after the header)
    last_row: int
    next: Cursor = field(default_factory=lambda: Cursor(0, 0))

    def records_json(self) -> str:
        """The rows as JSON records, what the child DAG gets as `conf["metadata_df"]`."""
        return json.dumps(self.rows, ensure_ascii=False)

    @property
    def row_range(self) -> str:
        return f"rows {self.first_row}-{self.last_row}"


class _Lines:
    """Binary lines of a stream, decoded for csv.reader, counting the bytes handed over.

    csv.reader pulls exactly the lines of one record (a quoted field with newlines spans several), so
    after each row `position` is the byte offset of the next record: a resumable cursor.
    """

    def __init__(self, stream: IO[bytes], encoding: str, position: int) -> None:
        self._stream = stream
        self._encoding = encoding
        self.position = position

    def __iter__(self) -> Iterator[str]:
        for line in self._stream:
            self.position += len(line)
            yield line.decode(self._encoding)


class CsvBatches:
    """The batches of a CSV: rows whose `filter_by` column is in `filter_values`, from row `offset` + 1."""

    def __init__(
        self,
        url: str,
        *,
        batch_size: int = 10,
        offset: int = 0,
        filter_by: str | None = None,
        filter_values: Sequence[Any] | None = None,
        encoding: str = "utf-8",
        fast_skip: bool = True,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        validate_parameters(batch_size, offset, filter_by, filter_values)
        self.url = normalize_url(url)
        self.batch_size = batch_size
        self.offset = offset
        self.filter_by = filter_by
        self.filter_values = None if filter_values is None else {str(v) for v in filter_values}
        self.encoding = encoding
        self.fast_skip = fast_skip
        self.storage_options = storage_options or {}

    def _open(self) -> Any:
        import fsspec

        try:
            return fsspec.open(self.url, "rb", **self.storage_options).open()
        except FileNotFoundError as exc:
            raise CsvBatchError(f"metadata file {self.url!r} not found") from exc

    def _header(self, stream: IO[bytes]) -> tuple[list[str], int]:
        """The header's column names and the byte offset of the first row."""
        lines = _Lines(stream, self.encoding, 0)
        header = next(csv.reader(lines), None)
        if header is None:
            raise CsvBatchError(f"metadata file {self.url!r} is empty: a header row is expected")
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        if self.filter_by is not None and self.filter_by not in header:
            raise CsvBatchError(
                f"filter_by column {self.filter_by!r} is not in the header of {self.url!r}: "
                f"{', '.join(header)}"
            )
        return header, lines.position

    def start(self) -> Cursor:
        """The cursor of the first batch: after the header and `offset` rows."""
        with self._open() as stream:
            _, position = self._header(stream)
            if self.offset == 0:
                return Cursor(position, 0)
            if self.fast_skip:
                scanner = RecordScanner(stream, position)
                skipped = scanner.skip(self.offset)
                return Cursor(scanner.position, skipped)
            lines = _Lines(stream, self.encoding, position)
            skipped = 0
            for _ in csv.reader(lines):  # exact csv-module semantics; never builds dicts
                skipped += 1
                if skipped == self.offset:
                    break
            return Cursor(lines.position, skipped)

    def batch(self, number: int, cursor: Cursor) -> Batch | None:
        """Batch `number` starting at `cursor`; None when no row is left."""
        with self._open() as stream:
            header, position = self._header(stream)
            if cursor.position != position:
                _seek(stream, position, cursor.position)
            lines = _Lines(stream, self.encoding, cursor.position)
            rows: list[dict[str, Any]] = []
            row, first = cursor.row, 0
            for values in csv.reader(lines):
                row += 1
                if not values:
                    continue  # blank line
                if len(values) > len(header):
                    raise CsvBatchError(
                        f"row {row} of {self.url!r} has {len(values)} fields, the header has {len(header)}"
                    )
                item: dict[str, Any] = dict(zip(header, values, strict=False))
                for name in header[len(values) :]:
                    item[name] = None
                if self.filter_values is not None and item[str(self.filter_by)] not in self.filter_values:
                    continue
                rows.append(item)
                first = first or row
                if len(rows) >= self.batch_size:
                    break
            if not rows:
                return None
            return Batch(number, rows, first, row, Cursor(lines.position, row))

    def __iter__(self) -> Iterator[Batch]:
        cursor, number = self.start(), 1
        while (batch := self.batch(number, cursor)) is not None:
            yield batch
            cursor, number = batch.next, number + 1


def _seek(stream: Any, current: int, position: int) -> None:
    """Move to `position`: seek where the filesystem can (local, http ranges, s3...), else read through."""
    try:
        stream.seek(position)
        return
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    remaining = position - current
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK_SIZE))
        if not chunk:
            raise CsvBatchError("the metadata file is shorter than when the loop started")
        remaining -= len(chunk)


def validate_parameters(batch_size: Any, offset: Any, filter_by: Any, filter_values: Any) -> None:
    """Clear errors for bad loop parameters."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise CsvBatchError(f"batch_size must be a positive integer, got {batch_size!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise CsvBatchError(f"batch_offset must be an integer >= 0, got {offset!r}")
    if (filter_by is None) != (filter_values is None):
        raise CsvBatchError("filter_by and filter_values go together: give both or neither")
    if filter_values is not None and not isinstance(filter_values, (list, tuple, set, frozenset)):
        raise CsvBatchError(f"filter_values must be a list of values, got {filter_values!r}")
