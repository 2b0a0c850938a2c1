"""A small filesystem of its own (a size-limited tmpfs), the way a worker's temporary disk can be nearly
full; needs the right to mount (root in a container with it, as on CI)."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def small_disk(size: int) -> Iterator[Path | None]:
    """A folder on a filesystem of `size` bytes, or None where this machine does not let a process mount one."""
    with tempfile.TemporaryDirectory(prefix="wfo-small-disk-") as folder:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", folder],
            capture_output=True,
            check=False,
        )
        if mounted.returncode != 0:
            yield None
            return
        try:
            yield Path(folder)
        finally:
            subprocess.run(["umount", folder], check=True)
