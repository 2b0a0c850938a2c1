"""Size limits and extension allow-lists: refusals name the limit, and nothing half-written appears."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from wfo.storage.atomic import atomic_writer
from wfo.storage.errors import ExtensionNotAllowedError, FileTooLargeError
from wfo.storage.limits import (
    check_extension,
    copy_file_limited,
    copy_limited,
    format_size,
    read_limited,
)


class EndlessZeros(io.RawIOBase):
    """A source that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = len(buffer)
        buffer[:size] = bytes(size)
        self.served += size
        return size


def test_allowed_extension_is_returned_case_insensitively() -> None:
    assert check_extension("Job.PY", {".py"}) == ".py"
    assert check_extension("deps.tar.gz", {".gz", ".tar.gz"}) == ".tar.gz"
    assert check_extension("lib.jar", ["jar"]) == ".jar"


@pytest.mark.parametrize("name", ["evil.sh", "job.py.exe", ".py", "py", "job.pyc"])
def test_disallowed_extension_message_lists_the_allowed_ones(name: str) -> None:
    with pytest.raises(ExtensionNotAllowedError) as info:
        check_extension(name, {".py", ".jar"})
    assert repr(name) in str(info.value)
    assert str(info.value).endswith("allowed: .jar, .py")


def test_refusal_lists_the_allowed_extensions_sorted_and_spelled_as_declared() -> None:
    with pytest.raises(ExtensionNotAllowedError) as info:
        check_extension("run.exe", (".sh", ".R", ".py", ".csv"))
    assert str(info.value).endswith("allowed: .csv, .py, .R, .sh")
    assert check_extension("model.r", (".sh", ".R")) == ".r"


def test_copy_limited_refuses_an_oversized_upload_and_leaves_the_folder_unchanged(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("keep")
    before = sorted(os.listdir(tmp_path))

    with pytest.raises(FileTooLargeError) as info:
        copy_limited(io.BytesIO(b"x" * 2048), tmp_path / "upload.bin", max_bytes=1024)

    assert "limit of 1.0 KiB (1024 bytes)" in str(info.value)
    assert "'upload.bin'" in str(info.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_failed_copy_keeps_the_previous_version(tmp_path: Path) -> None:
    target = tmp_path / "job.py"
    target.write_bytes(b"old")

    with pytest.raises(FileTooLargeError):
        copy_limited(io.BytesIO(b"new" * 100), target, max_bytes=10)

    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["job.py"]


def test_copy_limited_stops_reading_an_endless_source_soon_after_the_limit(tmp_path: Path) -> None:
    source = EndlessZeros()
    with pytest.raises(FileTooLargeError):
        copy_limited(io.BufferedReader(source), tmp_path / "x", max_bytes=3 * 1024 * 1024)
    assert source.served < 5 * 1024 * 1024
    assert not (tmp_path / "x").exists()


def test_copy_limited_writes_content_exactly_up_to_the_limit(tmp_path: Path) -> None:
    data = os.urandom(5000)
    assert copy_limited(io.BytesIO(data), tmp_path / "sub" / "f.bin", max_bytes=5000) == 5000
    assert (tmp_path / "sub" / "f.bin").read_bytes() == data


def test_copy_file_limited_checks_the_size_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.jar"
    big.write_bytes(b"0" * 100)
    with pytest.raises(FileTooLargeError, match="'big.jar' is larger than the limit of 50 bytes"):
        copy_file_limited(big, tmp_path / "copy.jar", max_bytes=50)
    assert not (tmp_path / "copy.jar").exists()
    assert copy_file_limited(big, tmp_path / "copy.jar", max_bytes=100) == 100


def test_read_limited() -> None:
    assert read_limited(io.BytesIO(b"abc"), 3) == b"abc"
    with pytest.raises(FileTooLargeError, match="core-site.xml"):
        read_limited(io.BytesIO(b"abcd"), 3, what="core-site.xml")


def test_atomic_writer_discards_the_file_when_the_block_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_writer(tmp_path / "a.txt") as handle:
        handle.write(b"partial")
        raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []


def test_atomic_writer_gives_normal_permissions(tmp_path: Path) -> None:
    with atomic_writer(tmp_path / "a.txt") as handle:
        handle.write(b"x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1536, "1.5 KiB"),
        (10 * 1024**2, "10.0 MiB"),
        (3 * 1024**3, "3.0 GiB"),
    ],
)
def test_format_size(size: int, shown: str) -> None:
    assert format_size(size) == shown
