"""Extract tar/tar.gz and zip uploads safely, all-or-nothing.

Every member is checked before it is written (canonical relative name, regular file or folder
only, member count and sizes within `ArchiveLimits`), written into a hidden staging folder next to
the target, and only moved into the target once the whole archive passed. Tar members additionally
go through `tarfile`'s `data` filter. Limits apply while headers are read, not only to members:
a tar's extended headers (GNU long names, PAX) are bounded before `tarfile` reads them, the bytes
that come out of the decompressor are counted, and a zip's central directory is measured (from its
end record) before `zipfile` parses it. Building archives for exports lives in `wfo.storage.tarball`.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Protocol

from wfo.storage.errors import StorageError, UnsafeArchiveError, UnsafeNameError
from wfo.storage.limits import GiB, MiB, check_extension, copy_stream_limited, format_size
from wfo.storage.names import MAX_PATH_BYTES, safe_relative_path

Source = str | os.PathLike[str] | BinaryIO

# A local file header, or the end record of an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class ArchiveLimits:
    """What one archive may hold; sizes are uncompressed bytes."""

    max_members: int = 10_000
    max_total_bytes: int = 1 * GiB
    max_member_bytes: int = 512 * MiB


@dataclass(frozen=True)
class ArchiveEntry:
    """One extracted (or archived) file or folder, by its canonical relative path."""

    path: str
    size: int
    is_dir: bool = False


class _Inventory:
    """Counts members and bytes against the limits and refuses duplicates and file/folder clashes."""

    def __init__(self, limits: ArchiveLimits, allowed_extensions: Iterable[str] | None) -> None:
        self.limits = limits
        self.allowed = None if allowed_extensions is None else tuple(allowed_extensions)
        self.total = 0
        self.entries: dict[str, ArchiveEntry] = {}
        self.ancestors: set[str] = set()

    def admit(self, raw_name: str, size: int, is_dir: bool) -> str:
        """Check one member and return its canonical path (the caller then writes it)."""
        try:
            path = safe_relative_path(raw_name)
        except UnsafeNameError as exc:
            raise UnsafeArchiveError(f"archive member {raw_name!r} is refused: {exc}") from None
        if len(self.entries) >= self.limits.max_members:
            raise UnsafeArchiveError(f"the archive has more than {self.limits.max_members} members")
        if size > self.limits.max_member_bytes:
            raise UnsafeArchiveError(
                f"archive member {path!r} is {format_size(size)}, more than the limit of "
                f"{format_size(self.limits.max_member_bytes)} per file"
            )
        if self.total + size > self.limits.max_total_bytes:
            raise UnsafeArchiveError(
                f"the archive expands to more than the limit of {format_size(self.limits.max_total_bytes)}"
            )
        previous = self.entries.get(path)
        if previous is not None and not (previous.is_dir and is_dir):
            raise UnsafeArchiveError(f"archive member {path!r} appears twice")
        parents = [str(parent) for parent in PurePosixPath(path).parents][:-1]
        if not is_dir and path in self.ancestors:
            raise UnsafeArchiveError(f"archive member {path!r} is both a file and a folder")
        for parent in parents:
            clash = self.entries.get(parent)
            if clash is not None and not clash.is_dir:
                raise UnsafeArchiveError(f"archive member {path!r} is inside {parent!r}, which is a file")
        if self.allowed is not None and not is_dir:
            try:
                check_extension(PurePosixPath(path).name, self.allowed)
            except StorageError as exc:
                raise type(exc)(f"archive member {path!r} is refused: {exc}") from None
        self.total += size
        self.ancestors.update(parents)
        self.entries[path] = ArchiveEntry(path, size, is_dir)
        return path

    def listing(self) -> list[ArchiveEntry]:
        return sorted(self.entries.values(), key=lambda entry: entry.path)


def _tar_member_kind_error(member: tarfile.TarInfo) -> str | None:
    """Why a tar member of this type is refused, or None for regular files and folders."""
    if member.issym():
        return f"is a symbolic link (to {member.linkname!r}); archives with links are refused"
    if member.islnk():
        return f"is a hard link (to {member.linkname!r}); archives with links are refused"
    if member.ischr() or member.isblk():
        return "is a device file; only regular files and folders are allowed"
    if member.isfifo():
        return "is a named pipe (FIFO); only regular files and folders are allowed"
    if member.issparse():
        return "is a sparse file; only regular files and folders are allowed"
    if not (member.isfile() or member.isdir()):
        return f"has the unsupported tar type {member.type!r}; only regular files and folders are allowed"
    return None


# A GNU long name/link or a PAX header holds a path and a few attributes: a few hundred bytes. `tarfile`
# reads the whole declared size into memory before looking at it (a 2 GB header of zeros compresses to
# 2 MB), so the size is checked before it is read.
MAX_TAR_HEADER_BYTES = 64 * 1024
# What may come out of the decompressor beyond the members' own bytes: each member's header block(s)
# and padding, plus the end-of-archive blocks and record padding.
_TAR_OVERHEAD_PER_MEMBER = 4 * 1024
_TAR_OVERHEAD = 1 * MiB
_EXTENDED_HEADERS = {
    tarfile.GNUTYPE_LONGNAME: "a GNU long-name header",
    tarfile.GNUTYPE_LONGLINK: "a GNU long-link header",
    tarfile.XHDTYPE: "a PAX extended header",
    tarfile.XGLTYPE: "a PAX global header",
    tarfile.SOLARIS_XHDTYPE: "a Solaris extended header",
}


class _BoundedTarInfo(tarfile.TarInfo):
    """A `TarInfo` that refuses oversized extended headers and sparse members before `tarfile` reads them."""

    def _proc_member(self, archive: tarfile.TarFile) -> Any:  # tarfile's documented override point
        kind = _EXTENDED_HEADERS.get(self.type)
        if kind is not None and self.size > MAX_TAR_HEADER_BYTES:
            raise UnsafeArchiveError(
                f"the archive has {kind} of {format_size(self.size)}, more than the limit of "
                f"{format_size(MAX_TAR_HEADER_BYTES)}; it is refused before it is read"
            )
        if self.type == tarfile.GNUTYPE_SPARSE:
            # Its map of holes can chain any number of extension blocks; we refuse sparse files anyway.
            raise UnsafeArchiveError(
                f"archive member {self.name!r} is a sparse file; only regular files and folders are allowed"
            )
        return super()._proc_member(archive)  # type: ignore[misc]


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _CountedReader:
    """The decompressed tar stream, refusing to yield more than `limit` bytes and naming damage clearly."""

    def __init__(self, inner: _Readable, limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.total = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.limit - self.total + 1:
            size = self.limit - self.total + 1
        try:
            data = self.inner.read(size)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            raise UnsafeArchiveError(f"the archive is damaged or not in the expected format: {exc}") from None
        self.total += len(data)
        if self.total > self.limit:
            raise UnsafeArchiveError(
                f"the archive expands to more than {format_size(self.limit)} of headers and content, "
                "beyond what its limits allow"
            )
        return data


class _Prefixed:
    """`head` (already read to sniff the format) followed by the rest of `stream`."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if self.head:
            if size < 0:
                data, self.head = self.head + self.stream.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.stream.read(size)


def _decompressed(stream: IO[bytes]) -> _Readable:
    """The tar bytes of a plain, gzip, bzip2 or xz stream (recognised by its first bytes)."""
    head = b""
    while len(head) < 6 and (chunk := stream.read(6 - len(head))):
        head += chunk
    raw: Any = _Prefixed(head, stream)  # the decompressors only call read()
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head.startswith(b"BZh"):
        return bz2.BZ2File(raw, mode="rb")
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw, mode="rb")
    return _Prefixed(head, stream)


def _fill_from_tar(stream: BinaryIO, staging: Path, inventory: _Inventory) -> None:
    limits = inventory.limits
    budget = limits.max_total_bytes + (limits.max_members + 1) * _TAR_OVERHEAD_PER_MEMBER + _TAR_OVERHEAD
    counted: Any = _CountedReader(_decompressed(stream), budget)
    # Stream mode: reads forward only, works on non-seekable uploads, stops at the first bad member.
    with tarfile.open(fileobj=counted, mode="r|", tarinfo=_BoundedTarInfo) as archive:
        for member in archive:
            if member.isdir() and member.name in (".", "./"):
                continue
            problem = _tar_member_kind_error(member)
            if problem is not None:
                raise UnsafeArchiveError(f"archive member {member.name!r} {problem}")
            path = inventory.admit(member.name, member.size if member.isfile() else 0, member.isdir())
            archive.extract(member.replace(name=path, deep=False), staging, filter="data")


# The end-of-central-directory record, the zip64 locator and the zip64 end record (APPNOTE 4.3.14-16),
# and a central-directory entry (4.3.12): signature, fields, then name, extra and comment of given lengths.
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_MAX_ZIP_COMMENT = 0xFFFF
# A central-directory entry of a name we accept: fixed part, the name, and room for extra fields/comment.
_ZIP_ENTRY_BYTES = _CENTRAL_ENTRY.size + MAX_PATH_BYTES + 512


def _zip_directory(stream: IO[bytes]) -> tuple[int, int, int]:
    """(entries claimed, directory size, directory start) from the end records, read without zipfile."""
    end = stream.seek(0, os.SEEK_END)
    tail_start = max(0, end - _EOCD.size - _MAX_ZIP_COMMENT)
    stream.seek(tail_start)
    tail = stream.read(end - tail_start)
    # Where zipfile looks: a record without comment at the very end, else the last signature.
    at = len(tail) - _EOCD.size
    if at < 0 or tail[at : at + 4] != b"PK\x05\x06":
        at = tail.rfind(b"PK\x05\x06", 0, max(0, len(tail) - _EOCD.size + 4))
    if at < 0:
        raise UnsafeArchiveError("the archive is damaged or not in the expected format: no zip end record")
    _, _, _, _, entries, size, _, _ = _EOCD.unpack_from(tail, at)
    directory_end = tail_start + at
    locator_at = directory_end - _ZIP64_LOCATOR.size
    if locator_at >= _ZIP64_EOCD.size:
        stream.seek(locator_at)
        locator = stream.read(_ZIP64_LOCATOR.size)
        if locator[:4] == b"PK\x06\x07":
            # zipfile reads the zip64 record right before its locator; so do we, and trust the larger claims.
            stream.seek(locator_at - _ZIP64_EOCD.size)
            record = stream.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                fields = _ZIP64_EOCD.unpack(record)
                entries, size = max(entries, fields[7]), max(size, fields[8])
                directory_end = locator_at - _ZIP64_EOCD.size
    return entries, size, directory_end - size


def _check_zip_directory(stream: IO[bytes], limits: ArchiveLimits) -> None:
    """Refuse a zip whose central directory is too large or lists too many entries, before zipfile reads it.

    `zipfile.ZipFile` reads the whole directory and builds an object per entry before anyone can count
    them; here the end record's claims are checked, then the directory itself is walked entry by entry.
    """
    entries, size, start = _zip_directory(stream)
    if entries > limits.max_members:
        raise UnsafeArchiveError(
            f"the archive has more than {limits.max_members} members (its directory lists {entries})"
        )
    bound = (limits.max_members + 1) * _ZIP_ENTRY_BYTES
    if size > bound:
        raise UnsafeArchiveError(
            f"the archive's directory is {format_size(size)}, more than {format_size(bound)} for at most "
            f"{limits.max_members} members"
        )
    if start < 0:
        raise UnsafeArchiveError("the archive is damaged or not in the expected format: bad directory offset")
    stream.seek(start)
    directory = stream.read(size)
    count, at = 0, 0
    while at + _CENTRAL_ENTRY.size <= len(directory) and directory[at : at + 4] == b"PK\x01\x02":
        fields = _CENTRAL_ENTRY.unpack_from(directory, at)
        at += _CENTRAL_ENTRY.size + fields[12] + fields[13] + fields[14]
        count += 1
        if count > limits.max_members:
            raise UnsafeArchiveError(f"the archive has more than {limits.max_members} members")
    stream.seek(0)


def _fill_from_zip(stream: BinaryIO, staging: Path, inventory: _Inventory) -> None:
    if not stream.seekable():
        raise UnsafeArchiveError("a zip archive must be uploaded as a seekable file")
    _check_zip_directory(stream, inventory.limits)
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            # Unix zips keep the file type in the high bits; 0 means "not recorded" (a plain file).
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file or folder"
                raise UnsafeArchiveError(f"archive member {info.filename!r} is {kind}; it is refused")
            if info.flag_bits & 0x1:
                raise UnsafeArchiveError(f"archive member {info.filename!r} is encrypted; it is refused")
            path = inventory.admit(info.filename, 0 if info.is_dir() else info.file_size, info.is_dir())
            destination = staging / path
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            # The declared size may lie: never write more than was declared (and admitted).
            with archive.open(info) as src, open(destination, "xb") as dst:
                copy_stream_limited(src, dst, info.file_size, what=f"archive member {path!r}")


def _move_into_place(staging: Path, target: Path, entries: list[ArchiveEntry]) -> None:
    """Move staged entries into an existing `target`, after checking that none can clash."""
    root = target.resolve()
    for entry in entries:
        destination = target / entry.path
        for parent in reversed(PurePosixPath(entry.path).parents):
            existing = target / parent
            if existing.is_symlink() or (existing.exists() and not existing.is_dir()):
                raise StorageError(
                    f"cannot extract {entry.path!r}: {str(parent)!r} in the target folder is not a folder"
                )
        if destination.is_symlink() or (destination.exists() and destination.is_dir() != entry.is_dir):
            raise StorageError(
                f"cannot extract {entry.path!r}: the target folder already has a different kind of entry there"
            )
        if not destination.resolve().is_relative_to(root):
            raise StorageError(f"cannot extract {entry.path!r}: it would land outside the target folder")
    for entry in entries:
        destination = target / entry.path
        if entry.is_dir:
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / entry.path, destination)


def _extract(
    source: Source,
    target: str | os.PathLike[str],
    fill: Callable[[BinaryIO, Path, _Inventory], None],
    limits: ArchiveLimits,
    allowed_extensions: Iterable[str] | None,
    merge: bool,
) -> list[ArchiveEntry]:
    target = Path(target)
    if target.exists() and (target.is_symlink() or not target.is_dir()):
        raise StorageError(f"the extraction target {str(target)!r} exists and is not a folder")
    target_is_empty = not target.exists() or not any(target.iterdir())
    if not target_is_empty and not merge:
        raise StorageError(f"the extraction target {str(target)!r} is not empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".wfo-extracting", dir=target.parent))
    inventory = _Inventory(limits, allowed_extensions)
    try:
        try:
            if isinstance(source, str | os.PathLike):
                with open(source, "rb") as stream:
                    fill(stream, staging, inventory)
            else:
                fill(source, staging, inventory)
        except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise UnsafeArchiveError(f"the archive is damaged or not in the expected format: {exc}") from None
        entries = inventory.listing()
        if not target.exists():
            staging.chmod(0o755)
            staging.rename(target)
        else:
            _move_into_place(staging, target, entries)
        return entries
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def extract_tar(
    source: Source,
    target: str | os.PathLike[str],
    *,
    limits: ArchiveLimits = ArchiveLimits(),
    allowed_extensions: Iterable[str] | None = None,
    merge: bool = False,
) -> list[ArchiveEntry]:
    """Extract a tar archive (plain, gz, bz2 or xz) into `target`; return what was extracted.

    `target` must be absent or an empty folder unless `merge` is set (then files are replaced one by
    one after the whole archive passed). On any error nothing is written to `target`.
    """
    return _extract(source, target, _fill_from_tar, limits, allowed_extensions, merge)


def extract_zip(
    source: Source,
    target: str | os.PathLike[str],
    *,
    limits: ArchiveLimits = ArchiveLimits(),
    allowed_extensions: Iterable[str] | None = None,
    merge: bool = False,
) -> list[ArchiveEntry]:
    """Extract a zip archive into `target`, with the same checks and guarantees as `extract_tar`."""
    return _extract(source, target, _fill_from_zip, limits, allowed_extensions, merge)


def extract_archive(
    source: Source,
    target: str | os.PathLike[str],
    *,
    limits: ArchiveLimits = ArchiveLimits(),
    allowed_extensions: Iterable[str] | None = None,
    merge: bool = False,
) -> list[ArchiveEntry]:
    """Extract a zip or tar archive, recognised by its first bytes (not its name).

    Non-seekable streams are read as tar (a zip needs random access to its central directory).
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            head = stream.read(4)
    elif source.seekable():
        start = source.tell()
        head = source.read(4)
        source.seek(start)
    else:
        head = b""
    extract = extract_zip if head in _ZIP_MAGIC else extract_tar
    return extract(source, target, limits=limits, allowed_extensions=allowed_extensions, merge=merge)
