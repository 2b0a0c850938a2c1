"""Write local files atomically: into a hidden temporary file next to the target, renamed on success.

Readers never see a half-written file, and a failed write leaves the previous version in place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# Temporary files are named `.<name>.<random>.wfo-partial`; listings skip them.
PARTIAL_SUFFIX = ".wfo-partial"


def is_partial_file(name: str) -> bool:
    """True for the temporary files `atomic_writer` creates (so listings can hide them)."""
    return name.startswith(".") and name.endswith(PARTIAL_SUFFIX)


@contextlib.contextmanager
def atomic_writer(target: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces `target`, on an exception it is deleted.

    Missing parent folders are created. `mode` is applied before the rename, so the file never
    appears with the restrictive permissions of a temporary file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=PARTIAL_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
