"""Size limits and extension allow-lists for uploads: refuse early, with the limit in the message."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import IO

from wfo.storage.atomic import atomic_writer
from wfo.storage.errors import ExtensionNotAllowedError, FileTooLargeError

CHUNK_BYTES = 1024 * 1024

MiB = 1024 * 1024
GiB = 1024 * MiB


def format_size(size: int) -> str:
    """A byte count as people read it: `512 bytes`, `1.5 KiB`, `10.0 MiB`."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def too_large(what: str, limit: int) -> FileTooLargeError:
    """The error for `what` exceeding `limit` bytes (one wording everywhere)."""
    return FileTooLargeError(f"{what} is larger than the limit of {format_size(limit)} ({limit} bytes)")


def check_extension(name: str, allowed: Iterable[str]) -> str:
    """Return the allowed extension `name` ends with (lower case), or raise `ExtensionNotAllowedError`.

    Extensions are compared case-insensitively and may have several parts (`.tar.gz`); the longest
    match wins. A name that is only an extension (`.py`) is refused. The refusal lists the allowed
    extensions sorted and spelled as given (`.R`, as the docs write it).
    """
    spelled = {ext.lower(): ext for ext in (e if e.startswith(".") else f".{e}" for e in allowed)}
    lowered = name.lower()
    for ext in sorted(spelled, key=len, reverse=True):
        if lowered.endswith(ext) and len(lowered) > len(ext):
            return ext
    shown = ", ".join(sorted(spelled.values(), key=str.lower)) if spelled else "(none)"
    raise ExtensionNotAllowedError(
        f"the file {name!r} has an extension that is not allowed here; allowed: {shown}"
    )


def check_size(what: str, size: int, max_bytes: int) -> None:
    """Raise `FileTooLargeError` if a declared `size` is above `max_bytes`."""
    if size > max_bytes:
        raise too_large(what, max_bytes)


def copy_stream_limited(src: IO[bytes], dst: IO[bytes], max_bytes: int, *, what: str = "the file") -> int:
    """Copy `src` into `dst` and return the byte count; raise `FileTooLargeError` past `max_bytes`.

    Reads at most one chunk beyond the limit, so an endless or huge source costs little.
    """
    copied = 0
    while True:
        chunk = src.read(min(CHUNK_BYTES, max_bytes - copied + 1))
        if not chunk:
            return copied
        copied += len(chunk)
        if copied > max_bytes:
            raise too_large(what, max_bytes)
        dst.write(chunk)


def copy_limited(
    src: IO[bytes], dst: str | os.PathLike[str], max_bytes: int, *, what: str | None = None
) -> int:
    """Stream `src` into the file `dst`, refusing once more than `max_bytes` arrive.

    The data goes to a temporary file next to `dst` that is renamed into place only when the
    whole stream fitted; on error `dst` is untouched (absent, or its previous content).
    """
    label = what or f"the file {os.fspath(dst).rsplit(os.sep, 1)[-1]!r}"
    with atomic_writer(dst) as out:
        return copy_stream_limited(src, out, max_bytes, what=label)


def read_limited(src: IO[bytes], max_bytes: int, *, what: str = "the file") -> bytes:
    """Read all of `src` into memory, refusing more than `max_bytes` (for small files like XML)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := src.read(min(CHUNK_BYTES, max_bytes - total + 1)):
        total += len(chunk)
        if total > max_bytes:
            raise too_large(what, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def copy_file_limited(src: str | os.PathLike[str], dst: str | os.PathLike[str], max_bytes: int) -> int:
    """`copy_limited` for a local source file, checking its size before reading anything."""
    size = os.stat(src).st_size
    check_size(f"the file {os.fspath(src).rsplit(os.sep, 1)[-1]!r}", size, max_bytes)
    with open(src, "rb") as handle:
        return copy_limited(handle, dst, max_bytes)
