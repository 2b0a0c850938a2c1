"""A per-name write lock shared by the processes of one host (an flock on a file in the run folder).

The repositories take it around read-modify-write of a manifest, so two uploads of the same name (two
api-server workers, a retried request) never lose a version. Several hosts need a shared lock instead:
see docs/admin-guide.md (production).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def name_lock(lock_dir: Path | None, prefix: str, name: str) -> Iterator[None]:
    """Hold the lock of `name` (file `<prefix>-<digest>.lock` in `lock_dir`); no lock without a folder."""
    if lock_dir is None:
        yield
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    with open(lock_dir / f"{prefix}-{digest}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
