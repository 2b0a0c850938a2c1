"""Local files as polars lazy frames: CSV/TSV scanned (streamed, every column as text), Excel via calamine."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import fastexcel
import polars as pl

from wfo.eda.errors import UnreadableSource

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


def separator_for(path: str | os.PathLike[str]) -> str:
    return "\t" if Path(path).suffix.lower() in (".tsv", ".tab") else ","


INFER_ROWS = 10_000
# gzip, zstd, bzip2, xz, zip: not text.
COMPRESSED = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"BZh", b"\xfd7zXZ", b"PK\x03\x04")


def scan_file(path: str | os.PathLike[str], *, text: bool = False) -> pl.LazyFrame:
    """A lazy frame over a local CSV, TSV or Excel file; an empty file is a frame of no columns.

    CSV columns get the types their first `INFER_ROWS` rows suggest (polars parses them natively, the
    fast path); a later value that does not fit fails the query with `polars.exceptions.ComputeError`,
    and `text=True` reads every column as text instead (the profile then reads each column's kind from
    all of its values).
    """
    p = Path(path)
    if p.suffix.lower() in EXCEL_SUFFIXES:
        return read_excel(p).lazy()
    if p.stat().st_size == 0:
        return pl.LazyFrame()
    with p.open("rb") as handle:
        head = handle.read(8)
    if any(head.startswith(magic) for magic in COMPRESSED):
        # polars would decompress it on the fly: a few kB can stand for billions of rows (a "zip bomb").
        raise UnreadableSource(f"{p.name} is compressed; EDA reads plain CSV/TSV text (decompress it first).")
    try:
        frame = pl.scan_csv(
            p,
            separator=separator_for(p),
            infer_schema=not text,
            infer_schema_length=INFER_ROWS,
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
            raise_if_empty=False,
            missing_columns="insert",
        )
        frame.collect_schema()
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as exc:
        kind = "TSV" if separator_for(p) == "\t" else "CSV"
        raise UnreadableSource(f"{p.name} cannot be read as {kind}: {exc}") from exc
    return frame


def load_file(
    path: str | os.PathLike[str], *, text: bool = False, in_memory_bytes: int = 0
) -> pl.LazyFrame | pl.DataFrame:
    """The file as `scan_file` reads it, parsed once into memory when it fits (a `DataFrame`: every pass
    then reads memory, not the file), else the streamed lazy frame.

    It fits when it is at most `in_memory_bytes` and at most a quarter of the memory left to this process
    (parsed text takes up to about twice its size, and the passes work beside it). A spreadsheet is read
    whole in any case.
    """
    frame = scan_file(path, text=text)
    size = os.path.getsize(path)
    if Path(path).suffix.lower() in EXCEL_SUFFIXES or size <= min(in_memory_bytes, memory_left() // 4):
        return frame.collect()
    return frame


def memory_left() -> int:
    """Bytes this process can still take: the least of the machine's available memory, the room in its
    memory cgroup (v2 or v1: what a container or a systemd unit gives it) and the room under its
    address-space limit."""
    room: list[int] = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    room.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    room += _cgroup_room()
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        try:
            used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
            room.append(soft - used)
        except (OSError, ValueError):
            pass
    return max(min(room), 0) if room else 0


def _cgroup_room() -> list[int]:
    """The room left under the memory limit of this process's cgroup, if it has one."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # v2: one unified hierarchy
            folder, limit_file, usage_file = (
                Path("/sys/fs/cgroup") / path.lstrip("/"),
                "memory.max",
                "memory.current",
            )
        elif "memory" in controllers.split(","):
            folder = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            limit_file, usage_file = "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        try:
            limit = (folder / limit_file).read_text().strip()
            if limit != "max" and int(limit) < 1 << 60:  # v1 writes "no limit" as a huge number
                return [int(limit) - int((folder / usage_file).read_text())]
        except (OSError, ValueError):
            continue
    return []


def read_excel(path: Path) -> pl.DataFrame:
    """The first sheet, through fastexcel (calamine): values only, formulas and links never evaluated."""
    try:
        return pl.read_excel(path, engine="calamine", sheet_id=1)
    except (pl.exceptions.PolarsError, fastexcel.FastExcelError, ValueError, OSError) as exc:
        raise UnreadableSource(f"{path.name} cannot be read as a spreadsheet: {exc}") from exc
