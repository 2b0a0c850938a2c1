"""The body of one validator child: sandbox the forked process, run one request, write the answer, exit.

Forked by the validator server (`wfo.dagfiles.validator`) with Airflow and libcst already imported.
The child gets its own process group, standard streams on a log file, no inherited descriptor but its
answer pipe, an address-space allowance on top of what the server uses, no core files and a file-size
limit, then validates the file (`wfo.dagfiles.loading`) or runs the legacy upgrade on it
(`wfo.dagfiles.upgrade`). Whatever happens, it answers JSON on the pipe and exits.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
from pathlib import Path

import psutil

from wfo.dagfiles.loading import validate_in_this_process
from wfo.dagfiles.schemas import Problem, ProblemKind, ValidationResult

CHILD_FILE_SIZE_LIMIT = 64 * 1024 * 1024


def failure(kind: ProblemKind, message: str, seconds: float = 0.0) -> ValidationResult:
    """The answer for a request that did not complete (any kind: the client reads the error)."""
    return ValidationResult(ok=False, errors=[Problem(kind=kind, message=message)], seconds=seconds)


def child_main(
    pipe: int, workdir: Path, kind: str, filename: str, source: str, timeout: float, memory_mb: int
) -> None:
    """Body of a forked child: sandbox this process, do the request, write the JSON answer, exit."""
    try:
        os.setpgid(0, 0)
        log_fd = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT, 0o600)
        null_fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        # The listening socket and other clients' connections must not be reachable from user code.
        os.closerange(3, pipe)
        os.closerange(pipe + 1, 65536)
        baseline = _address_space_bytes()
        limit = baseline + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (CHILD_FILE_SIZE_LIMIT, CHILD_FILE_SIZE_LIMIT))
        (workdir / "tmp").mkdir()
        os.environ["TMPDIR"] = str(workdir / "tmp")
        tempfile.tempdir = None
        os.chdir(workdir)
        if kind == "validate":
            payload = json.dumps(validate_in_this_process(workdir, filename, source, timeout).model_dump())
        else:
            payload = json.dumps({"upgrade": upgrade_in_this_process(kind, filename, source)})
    except RecursionError:
        payload = json.dumps(failure("memory", "the code is nested too deeply to be processed").model_dump())
    except BaseException as exc:  # noqa: BLE001 - whatever happens, the child reports and exits
        problem: ProblemKind = "memory" if isinstance(exc, MemoryError) else "other"
        payload = json.dumps(failure(problem, f"validator: {type(exc).__name__}: {exc}").model_dump())
    try:
        view = memoryview(payload.encode())
        while view:
            view = view[os.write(pipe, view) :]
    finally:
        os._exit(0)


def upgrade_in_this_process(kind: str, filename: str, source: str) -> dict[str, object] | None:
    """The full upgrade ("upgrade") or the proposal for legacy code only ("propose", None otherwise)."""
    from wfo.dagfiles.upgrade import proposed_upgrade, upgrade_source

    result = upgrade_source(source, filename) if kind == "upgrade" else proposed_upgrade(source, filename)
    return result.model_dump() if result is not None else None


def _address_space_bytes() -> int:
    return int(psutil.Process().memory_info().vms)
