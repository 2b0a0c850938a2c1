"""The client that asks the validator process to validate (or upgrade) uploaded DAG code.

Uploaded code is never imported in the caller's process (the api-server holds the database
credentials and the Fernet key): `validate_source` sends the file to the validator server
(`wfo.dagfiles.validator`), which forks a sandboxed child per file. The legacy upgrade runs there
too (`upgrade_isolated`): parsing hostile code with libcst can take minutes and gigabytes, which the
child's time and memory limits turn into one refused request. When no server runs (CLI use, tests,
the api-server started without `wfo up`), the first call starts one as a child process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any, get_args

from pydantic import ValidationError

from wfo.dagfiles.errors import UpgradeFailed, ValidatorUnavailable
from wfo.dagfiles.schemas import Problem, ProblemKind, UpgradeResult, ValidationResult
from wfo.settings import Settings, get_settings

PROBLEM_KINDS: tuple[str, ...] = get_args(ProblemKind)


def _problem(data: Any) -> Problem:
    """One problem of the validator's answer; anything malformed (the child runs hostile code) is read
    leniently, never refused."""
    data = data if isinstance(data, dict) else {}
    kind = data.get("kind")
    return Problem(
        kind=kind if kind in PROBLEM_KINDS else "other",
        message=str(data.get("message", "")),
        line=_opt_int(data.get("line")),
        column=_opt_int(data.get("column")),
    )


def _result(data: dict[str, Any]) -> ValidationResult:
    """The validator's answer as a `ValidationResult` (`ok` means: no errors)."""
    errors = [_problem(p) for p in _list(data.get("errors"))]
    return ValidationResult(
        ok=not errors,
        dag_ids=[str(d) for d in _list(data.get("dag_ids"))],
        errors=errors,
        warnings=[_problem(p) for p in _list(data.get("warnings"))],
        seconds=float(_number(data.get("seconds")) or 0.0),
        code_artifacts=[str(a) for a in _list(data.get("code_artifacts"))],
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _opt_int(value: Any) -> int | None:
    number = _number(value)
    try:
        return None if number is None else int(number)
    except (ValueError, OverflowError):  # NaN and infinities are valid JSON for Python's reader
        return None


# Environment names the validator (and the uploaded code it runs) must never see. Everything
# Airflow- and wfo-specific goes: the sandbox sets what it needs itself.
_SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|FERNET|_KEY$|_KEY_|^AWS_|^AZURE_|^GOOGLE_|^GCP_"
    r"|KRB5|KEYTAB|DATABASE_URL|SQL_ALCHEMY",
    re.IGNORECASE,
)
_DROPPED_PREFIXES = ("AIRFLOW", "_AIRFLOW", "WFO_")
# Lets `wfo up`'s final sweep (wfo.cli.processes) find a validator of its instance.
INSTANCE_MARKER = "WFO_VALIDATOR_OF"


def scrubbed_environment(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The validator's environment: the caller's minus anything that looks like configuration or a secret."""
    source = dict(os.environ if base is None else base)
    env = {
        name: value
        for name, value in source.items()
        if not name.upper().startswith(_DROPPED_PREFIXES) and not _SECRET_NAME.search(name)
    }
    env[INSTANCE_MARKER] = str(home)
    return env


def socket_path(settings: Settings) -> Path:
    """`$WFO_HOME/run/validator.sock`, or a short per-home path when that exceeds AF_UNIX's 108 bytes."""
    path = settings.validator_socket
    if len(os.fsencode(path)) < 100:
        return path
    digest = hashlib.sha256(os.fsencode(settings.home)).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"wfo-{os.getuid()}-{digest}" / "validator.sock"


def server_argv(settings: Settings, *, parent_pid: int, wait_for_lock: bool = False) -> list[str]:
    # -P: `-m` would put the working directory (the shared temporary folder) first on sys.path, where any
    # local account could plant a module (json.py) that the validator then imports and runs.
    argv = [
        sys.executable,
        "-P",
        "-m",
        "wfo.dagfiles.validator",
        "serve",
        "--socket",
        str(socket_path(settings)),
        "--timeout",
        str(settings.validator_timeout),
        "--memory-mb",
        str(settings.validator_memory_mb),
        "--parent-pid",
        str(parent_pid),
    ]
    return argv + (["--wait-for-lock"] if wait_for_lock else [])


_start_lock = threading.Lock()
_server: subprocess.Popen[bytes] | None = None
START_SECONDS = 120.0


def _ask(path: Path, request: bytes, wait: float) -> dict[str, Any]:
    _check_owner(path.parent)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(wait)
        conn.connect(str(path))
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := conn.recv(1 << 16):
            chunks.append(chunk)
    answer = b"".join(chunks)
    if not answer:
        raise ValidatorUnavailable("the validator closed the connection without an answer")
    data = json.loads(answer)
    if not isinstance(data, dict):
        raise ValidatorUnavailable("the validator answered something else than a JSON object")
    return data


def _check_owner(folder: Path) -> None:
    """The socket's folder must be ours: otherwise someone else's process could answer (short /tmp path)."""
    try:
        owner = folder.stat().st_uid
    except FileNotFoundError:
        return
    if owner != os.getuid():
        raise ValidatorUnavailable(f"{folder} belongs to another user; refusing to use its validator socket")


def _reachable(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _log_file(settings: Settings) -> IO[bytes] | int:
    try:
        folder = settings.logs_dir / "wfo"
        folder.mkdir(parents=True, exist_ok=True)
        return open(folder / "validator.log", "ab")
    except OSError:
        return subprocess.DEVNULL


def ensure_server(settings: Settings) -> Path:
    """Start a validator server as our child unless one answers on the socket already. Once per process."""
    global _server
    path = socket_path(settings)
    with _start_lock:
        if _reachable(path):
            return path
        if _server is None or _server.poll() is not None:
            log = _log_file(settings)
            try:
                _server = subprocess.Popen(
                    server_argv(settings, parent_pid=os.getpid()),
                    env=scrubbed_environment(settings.home),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=tempfile.gettempdir(),
                )
            finally:
                if not isinstance(log, int):
                    log.close()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if _reachable(path):
                return path
            code = _server.poll()
            if code not in (None, 0):
                raise ValidatorUnavailable(
                    f"the validator exited with code {code} (see logs/wfo/validator.log)"
                )
            time.sleep(0.1)
    raise ValidatorUnavailable(f"the validator did not start within {START_SECONDS:.0f} s")


def _request(kind: str, filename: str, source: str, timeout: float | None) -> dict[str, Any]:
    settings = get_settings()
    limit = float(timeout or settings.validator_timeout)
    body = {"kind": kind, "filename": filename, "source": source, "timeout": limit}
    request = json.dumps(body).encode() + b"\n"
    # Requests queue behind at most a few running children; allow for that before giving up.
    wait = limit * 4 + 60.0
    path = socket_path(settings)
    try:
        try:
            return _ask(path, request, wait)
        except (FileNotFoundError, ConnectionRefusedError):
            pass  # nobody serves the socket (yet): start our own
        return _ask(ensure_server(settings), request, wait)
    except (OSError, ValueError) as exc:
        raise ValidatorUnavailable(f"the DAG validator could not be reached: {exc}") from exc


def validate_source(filename: str, source: str, *, timeout: float | None = None) -> ValidationResult:
    """Validate one DAG file's source in the separate validator process (never in this one).

    `filename` is the relative name the file will have in the DAGs folder (shown in messages);
    `timeout` overrides the configured per-file parse timeout (`WFO_VALIDATOR_TIMEOUT`). Thread-safe;
    starts the validator lazily when `wfo up` did not.
    """
    return _result(_request("validate", filename, source, timeout))


def upgrade_isolated(
    filename: str, source: str, *, proposal_only: bool, timeout: float | None = None
) -> UpgradeResult | None:
    """The upgrade of `source`, computed in a validator child (never in this process).

    With `proposal_only`, None unless the file is legacy code (`wfo.dagfiles.upgrade.proposed_upgrade`).
    `UpgradeFailed` when the child hit its time or memory limit; same timeout as validation.
    """
    answer = _request("propose" if proposal_only else "upgrade", filename, source, timeout)
    if "upgrade" in answer:
        if answer["upgrade"] is None:
            return None
        try:
            return UpgradeResult.model_validate(answer["upgrade"])
        except ValidationError:
            malformed = Problem(kind="other", message="the validator answered a malformed upgrade")
            raise UpgradeFailed(malformed) from None
    failure = _result(answer)
    raise UpgradeFailed(
        failure.errors[0] if failure.errors else Problem(kind="other", message="the upgrade failed")
    )
