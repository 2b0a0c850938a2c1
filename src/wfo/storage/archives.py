"""Extract tar/tar.gz and zip uploads safely, all-or-nothing.

Every member is checked before it is written (canonical relative name, regular file or folder
only, member count and sizes within `ArchiveLimits`), written into a hidden staging folder next to
the target, and only moved into the target once the whole archive passed. Tar members additionally
go through `tarfile`'s `data` filter. Building archives for exports lives in `wfo.storage.tarball`.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from wfo.storage.errors import StorageError, UnsafeArchiveError, UnsafeNameError
from wfo.storage.limits import GiB, MiB, check_extension, copy_stream_limited, format_size
from wfo.storage.names import safe_relative_path

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


def _fill_from_tar(stream: BinaryIO, staging: Path, inventory: _Inventory) -> None:
    # Stream mode: reads forward only, works on non-seekable uploads, stops at the first bad member.
    with tarfile.open(fileobj=stream, mode="r|*") as archive:
        for member in archive:
            if member.isdir() and member.name in (".", "./"):
                continue
            problem = _tar_member_kind_error(member)
            if problem is not None:
                raise UnsafeArchiveError(f"archive member {member.name!r} {problem}")
            path = inventory.admit(member.name, member.size if member.isfile() else 0, member.isdir())
            archive.extract(member.replace(name=path, deep=False), staging, filter="data")


def _fill_from_zip(stream: BinaryIO, staging: Path, inventory: _Inventory) -> None:
    if not stream.seekable():
        raise UnsafeArchiveError("a zip archive must be uploaded as a seekable file")
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
