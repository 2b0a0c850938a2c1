"""Build tar.gz archives of a folder for exports: deterministic, links refused, names importable.

The same folder content always gives the same bytes (sorted members, fixed mtime, owner and
gzip header), so exports can be compared and cached; every name passes `safe_relative_path`, so
anything we export can be imported again by `wfo.storage.archives`.
"""

from __future__ import annotations

import gzip
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from wfo.storage.archives import ArchiveEntry
from wfo.storage.atomic import atomic_writer, is_partial_file
from wfo.storage.errors import UnsafeArchiveError, UnsafeNameError
from wfo.storage.names import safe_relative_path


def _walk(root: Path, prefix: str, exclude: Callable[[str], bool] | None) -> Iterator[tuple[str, Path]]:
    """Yield (relative path, absolute path) in sorted order, folders before their content."""
    for item in sorted(os.scandir(root), key=lambda entry: entry.name):
        relative = f"{prefix}{item.name}"
        if is_partial_file(item.name) or (exclude is not None and exclude(relative)):
            continue
        if item.is_symlink():
            raise UnsafeArchiveError(f"{relative!r} is a symbolic link; exports do not follow links")
        try:
            safe_relative_path(relative)
        except UnsafeNameError as exc:
            raise UnsafeArchiveError(f"{relative!r} cannot be exported: {exc}") from None
        path = Path(item.path)
        if item.is_dir(follow_symlinks=False):
            yield relative, path
            yield from _walk(path, f"{relative}/", exclude)
        elif item.is_file(follow_symlinks=False):
            yield relative, path
        else:
            raise UnsafeArchiveError(f"{relative!r} is not a regular file or folder; it cannot be exported")


def _tar_info(relative: str, path: Path, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(relative)
    details = path.stat()
    info.mtime = mtime
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISDIR(details.st_mode):
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = details.st_size
        info.mode = 0o755 if details.st_mode & stat.S_IXUSR else 0o644
    return info


def write_tar_gz(
    source_dir: str | os.PathLike[str],
    out: BinaryIO,
    *,
    exclude: Callable[[str], bool] | None = None,
    mtime: int = 0,
) -> list[ArchiveEntry]:
    """Write a deterministic tar.gz of `source_dir`'s content to the binary stream `out`.

    `exclude` receives each relative path (`a/b.py`); returning True skips it (and a folder's
    content). Symbolic links, devices and names `safe_relative_path` refuses are errors.
    """
    root = Path(source_dir)
    if not root.is_dir():
        raise UnsafeArchiveError(f"{str(root)!r} is not a folder")
    entries: list[ArchiveEntry] = []
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative, path in _walk(root, "", exclude):
            info = _tar_info(relative, path, mtime)
            if info.isdir():
                archive.addfile(info)
            else:
                with open(path, "rb") as handle:
                    archive.addfile(info, handle)
            entries.append(ArchiveEntry(relative, info.size, info.isdir()))
    return entries


def build_tar_gz(
    source_dir: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    exclude: Callable[[str], bool] | None = None,
    mtime: int = 0,
) -> list[ArchiveEntry]:
    """Write a deterministic tar.gz of `source_dir` to the file `destination`, atomically.

    A `destination` inside `source_dir` is left out of the archive.
    """
    target = Path(destination).resolve()

    def skip(relative: str) -> bool:
        if (Path(source_dir).resolve() / relative) == target:
            return True
        return exclude is not None and exclude(relative)

    with atomic_writer(destination) as out:
        return write_tar_gz(source_dir, out, exclude=skip, mtime=mtime)
