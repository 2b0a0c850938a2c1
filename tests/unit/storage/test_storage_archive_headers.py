"""Hostile archive headers: refused while the headers are read, with the memory of the process bounded.

Each exploit is a small upload that made Python's `tarfile`/`zipfile` allocate gigabytes before any
member limit applied: a GNU long-name or PAX header declaring 2 GiB (of zeros, so the gzip is ~2 MB),
a zip whose end record claims millions of entries, a zip directory of a million entries behind an end
record that claims one. Extraction runs in a fresh interpreter so its peak RSS can be measured; before
the fix the tar cases peaked at ~4 GiB and the zip directory at ~530 MiB.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from wfo.storage.archives import MAX_TAR_HEADER_BYTES, ArchiveLimits, extract_archive
from wfo.storage.errors import UnsafeArchiveError

# Peak RSS allowed for the whole extracting interpreter (Python + wfo.storage is ~20 MiB).
PEAK_RSS_BOUND_MIB = 100
GIB = 1024**3
_ZEROS = bytes(16 * 1024 * 1024)

# VmHWM, the peak RSS of this process's own memory: ru_maxrss would carry over the parent's peak
# (pytest's, holding the test archive) across fork and exec.
_EXTRACT = """
import json, re, sys
from wfo.storage.archives import extract_archive
from wfo.storage.errors import UnsafeArchiveError
try:
    extract_archive(sys.argv[1], sys.argv[2])
    message = None
except UnsafeArchiveError as exc:
    message = str(exc)
with open("/proc/self/status") as status:
    peak_kib = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
print(json.dumps({"refused": message, "peak_mib": peak_kib / 1024}))
"""


def extract_in_fresh_process(archive: Path, target: Path) -> tuple[str | None, float]:
    """(refusal message or None, peak RSS in MiB) of extracting `archive` with the default limits."""
    done = subprocess.run(
        [sys.executable, "-c", _EXTRACT, str(archive), str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout)
    return result["refused"], float(result["peak_mib"])


def gzip_with_zeros(head: bytes, zero_bytes: int) -> bytes:
    """A gzip stream of `head` followed by `zero_bytes` zeros, built in well under a second.

    After a full flush the compressor starts over, so 16 MiB of zeros always compress to the same
    bytes: compress them once and repeat. The trailer's CRC is left 0 (the exploit works, or is
    refused, long before a reader gets there).
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff", comp.compress(head), comp.flush(zlib.Z_FULL_FLUSH)]
    block = comp.compress(_ZEROS) + comp.flush(zlib.Z_FULL_FLUSH)
    parts += [block] * (zero_bytes // len(_ZEROS))
    parts += [comp.flush(), struct.pack("<LL", 0, zero_bytes & 0xFFFFFFFF)]
    return b"".join(parts)


def extended_header(kind: bytes, size: int) -> bytes:
    gnu = kind in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
    info = tarfile.TarInfo("././@LongLink" if gnu else "pax")
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        (tarfile.GNUTYPE_LONGNAME, "a GNU long-name header of 2.0 GiB"),
        (tarfile.GNUTYPE_LONGLINK, "a GNU long-link header of 2.0 GiB"),
        (tarfile.XHDTYPE, "a PAX extended header of 2.0 GiB"),
        (tarfile.XGLTYPE, "a PAX global header of 2.0 GiB"),
    ],
)
def test_a_2_gib_extended_tar_header_is_refused_before_it_is_read(
    tmp_path: Path, kind: bytes, what: str
) -> None:
    archive = tmp_path / "bomb.tar.gz"
    archive.write_bytes(gzip_with_zeros(extended_header(kind, 2 * GIB), 2 * GIB))
    assert archive.stat().st_size < 3 * 1024 * 1024
    refused, peak = extract_in_fresh_process(archive, tmp_path / "target")
    assert refused is not None and what in refused and "refused before it is read" in refused
    assert peak < PEAK_RSS_BOUND_MIB, f"peak RSS {peak:.0f} MiB"
    assert not (tmp_path / "target").exists()


def test_an_extended_header_just_over_the_bound_is_refused_and_a_normal_long_name_extracts(
    tmp_path: Path,
) -> None:
    over = tmp_path / "over.tar.gz"
    header = extended_header(tarfile.XHDTYPE, MAX_TAR_HEADER_BYTES + 1)
    over.write_bytes(gzip.compress(header + b"x" * MAX_TAR_HEADER_BYTES + bytes(2048)))
    with pytest.raises(UnsafeArchiveError, match="PAX extended header of 64.0 KiB"):
        extract_archive(over, tmp_path / "t1")
    # Long names are legitimate: GNU and PAX archives both carry them in these headers.
    long_name = "deep/" * 40 + "job.py"
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz", format=fmt) as tar:
            info = tarfile.TarInfo(long_name)
            info.size = 5
            info.pax_headers = {"comment": "x" * 1000} if fmt == tarfile.PAX_FORMAT else {}
            tar.addfile(info, io.BytesIO(b"hello"))
        target = tmp_path / f"ok-{fmt}"
        entries = extract_archive(io.BytesIO(out.getvalue()), target)
        assert (target / long_name).read_bytes() == b"hello"
        assert [e.path for e in entries if not e.is_dir] == [long_name]


def test_a_sparse_member_is_refused_before_its_map_is_read(tmp_path: Path) -> None:
    info = tarfile.TarInfo("holes.bin")
    info.type = tarfile.GNUTYPE_SPARSE
    archive = tmp_path / "sparse.tar"
    archive.write_bytes(info.tobuf(format=tarfile.GNU_FORMAT) + bytes(1024))
    with pytest.raises(UnsafeArchiveError, match="'holes.bin' is a sparse file"):
        extract_archive(archive, tmp_path / "target")


def test_bytes_out_of_the_decompressor_are_bounded_by_the_limits(tmp_path: Path) -> None:
    """Even headers within every per-header bound cannot make the reader decompress without end."""
    limits = ArchiveLimits(max_members=2, max_total_bytes=1024, max_member_bytes=1024)
    # Many PAX global headers (each under the header bound) and no member at all.
    header = extended_header(tarfile.XGLTYPE, 60 * 1024) + bytes(60 * 1024)
    archive = tmp_path / "headers.tar"
    archive.write_bytes(header * 40)
    with pytest.raises(UnsafeArchiveError, match="expands to more than"):
        extract_archive(archive, tmp_path / "target", limits=limits)


def test_a_damaged_compressed_stream_is_a_clear_refusal(tmp_path: Path) -> None:
    damaged = [("a.tar.gz", b"\x1f\x8b\x08\x00garbage-garbage"), ("a.tar.xz", b"\xfd7zXZ\x00garbage")]
    for name, data in damaged:
        archive = tmp_path / name
        archive.write_bytes(data)
        with pytest.raises(UnsafeArchiveError, match="damaged or not in the expected format"):
            extract_archive(archive, tmp_path / f"target-{name}")


# --- zip ---------------------------------------------------------------------------------------------

_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")


def central_entry(name: bytes) -> bytes:
    return _CENTRAL.pack(b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0) + name


def end_record(entries: int, size: int, offset: int) -> bytes:
    count = min(entries, 0xFFFF)
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


def zip_with_directory(directory: bytes, claimed_entries: int) -> bytes:
    """A zip that starts like any other (one real member) and ends with `directory`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", "a")
    data = out.getvalue()
    start = data.index(b"PK\x01\x02")
    return data[:start] + directory + end_record(claimed_entries, len(directory), start)


def test_a_zip64_end_record_claiming_millions_of_entries_is_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", "a")
    data = out.getvalue()
    eocd_at = data.rindex(b"PK\x05\x06")
    _, _, _, _, _, size, offset, _ = struct.unpack_from("<4s4H2LH", data, eocd_at)
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 5_000_000, 5_000_000, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd_at, 1)
    archive = tmp_path / "claims.zip"
    archive.write_bytes(data[:eocd_at] + zip64 + locator + end_record(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF))
    refused, peak = extract_in_fresh_process(archive, tmp_path / "target")
    assert refused == "the archive has more than 10000 members (its directory lists 5000000)"
    assert peak < PEAK_RSS_BOUND_MIB


def test_a_huge_zip_directory_behind_an_end_record_claiming_one_entry_is_refused(tmp_path: Path) -> None:
    directory = central_entry(b"a.txt") * 1_000_000  # 51 MB: zipfile alone peaked at ~530 MiB on it
    archive = tmp_path / "directory.zip"
    archive.write_bytes(zip_with_directory(directory, 1))
    refused, peak = extract_in_fresh_process(archive, tmp_path / "target")
    assert refused is not None and "the archive's directory is 48.6 MiB" in refused
    assert "at most 10000 members" in refused
    assert peak < PEAK_RSS_BOUND_MIB, f"peak RSS {peak:.0f} MiB"


def test_a_zip_directory_listing_more_members_than_claimed_is_counted_entry_by_entry(tmp_path: Path) -> None:
    limits = ArchiveLimits(max_members=100)
    directory = central_entry(b"a.txt") * 500  # small enough for the size bound, too many entries
    archive = tmp_path / "many.zip"
    archive.write_bytes(zip_with_directory(directory, 1))
    with pytest.raises(UnsafeArchiveError, match="^the archive has more than 100 members$"):
        extract_archive(archive, tmp_path / "target", limits=limits)


def test_a_zip_with_a_comment_and_prepended_data_still_extracts(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("dir/a.txt", "a")
        zf.comment = b"a comment moves the end record away from the end of the file" * 100
    archive = tmp_path / "ok.zip"
    # A self-extracting stub before the zip moves every offset; zipfile copes and so must the pre-check.
    archive.write_bytes(b"#!/bin/sh\nexit 0\n" + out.getvalue())
    from wfo.storage.archives import extract_zip

    extract_zip(archive, tmp_path / "target")
    assert (tmp_path / "target" / "dir" / "a.txt").read_text() == "a"
