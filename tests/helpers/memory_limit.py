"""A memory limit for a child process, the way a container or a systemd unit gives one: a memory cgroup of
its own under this process's cgroup (v1 or v2; needs a writable cgroup filesystem, as root in a container)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MemoryCgroup:
    folder: Path
    limit: int
    version: int

    def enter(self) -> None:
        """Move the calling process into the cgroup (a `preexec_fn`: the child moves itself before exec)."""
        (self.folder / "cgroup.procs").write_text(str(os.getpid()))


def _own_folder() -> tuple[Path, int] | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/"), 1
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            return Path("/sys/fs/cgroup") / path.lstrip("/"), 2
    return None


@contextlib.contextmanager
def memory_cgroup(limit: int) -> Iterator[MemoryCgroup | None]:
    """A cgroup limited to `limit` bytes (swap included where the kernel counts it), or None where this
    machine does not let a process make one."""
    own = _own_folder()
    if own is None:
        yield None
        return
    parent, version = own
    folder = parent / f"wfo-test-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir()
        if version == 1:
            (folder / "memory.limit_in_bytes").write_text(str(limit))
            with contextlib.suppress(OSError):  # absent without swap accounting
                (folder / "memory.memsw.limit_in_bytes").write_text(str(limit))
        else:
            (folder / "memory.max").write_text(str(limit))
            (folder / "memory.swap.max").write_text("0")
    except OSError:
        with contextlib.suppress(OSError):
            folder.rmdir()
        yield None
        return
    try:
        yield MemoryCgroup(folder, limit, version)
    finally:
        with contextlib.suppress(OSError):
            folder.rmdir()  # empty once its process has exited
