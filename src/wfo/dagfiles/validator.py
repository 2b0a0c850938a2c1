"""The DAG-file validator server: Airflow imported once, one sandboxed fork per file.

`python -m wfo.dagfiles.validator serve --socket PATH` runs with a scrubbed environment and a
throwaway AIRFLOW_HOME whose airflow.cfg holds no secret (no DB URL, no Fernet key), imports
Airflow, the Task SDK, `wfo.operators` and the common providers (~4 s, once), then listens on a
Unix socket: one JSON request per connection (`{"kind","filename","source","timeout"}` + newline),
one JSON answer back. Each request runs in a forked child (address-space and file-size limits, own
process group, own working directory, no inherited descriptors): kind "validate" loads the file with
Airflow's own `DagBag` and answers a `ValidationResult`; kinds "upgrade" and "propose" run the libcst
upgrade (`wfo.dagfiles.upgrade`) and answer `{"upgrade": UpgradeResult or null}`, because a few KiB
of nested code can cost libcst gigabytes and minutes. The server kills a child at the deadline, so a
`while True: pass` or a parser blow-up costs one child, never the server or the api-server. The
server is single-threaded (a selector loop): forking from a threaded process could copy a lock held
by another thread.
"""

from __future__ import annotations

import argparse
import fcntl
import gc
import json
import os
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from wfo.dagfiles.loading import validate_in_this_process
from wfo.dagfiles.schemas import ValidationResult
from wfo.dagfiles.validator_child import child_main, failure, upgrade_in_this_process

MAX_REQUEST_BYTES = 8 * 1024 * 1024
REQUEST_READ_SECONDS = 30.0
MAX_CHILDREN = 4
# Airflow's own import timeout fires first (it reports the line); the kill is the backstop.
KILL_GRACE_SECONDS = 2.0

SANDBOX_CONFIG = """\
# Airflow configuration of the DAG validator sandbox: deliberately without any secret.
[core]
dags_folder = {home}/dags
plugins_folder = {home}/plugins
load_examples = False
executor = LocalExecutor
dagbag_import_timeout = 30
dagbag_import_error_tracebacks = True
dagbag_import_error_traceback_depth = 200
lazy_load_plugins = True
fernet_key =
[database]
sql_alchemy_conn = sqlite:///{home}/empty.db
[logging]
base_log_folder = {home}/logs
logging_level = ERROR
[api]
secret_key = validator-sandbox-has-no-secret
[api_auth]
jwt_secret = validator-sandbox-has-no-secret
"""

# Imported once in the server so that a child only executes the uploaded file itself.
PRELOAD_MODULES = (
    "airflow.sdk",
    "airflow.dag_processing.dagbag",
    "airflow.providers.standard.operators.python",
    "airflow.providers.standard.operators.bash",
    "airflow.providers.standard.operators.empty",
    "airflow.providers.standard.sensors.time_delta",
    "airflow.providers.apache.spark.operators.spark_submit",
    "airflow.providers.apache.livy.operators.livy",
    "airflow.providers.papermill.operators.papermill",
    "wfo.operators",
    "wfo.dagfiles.upgrade",
)
REQUEST_KINDS = ("validate", "upgrade", "propose")

WARMUP_DAG = """\
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("validator_warmup", schedule=None):
    EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
"""


# ------------------------------------------------------------------------------------------ server


def prepare_sandbox() -> Path:
    """Create the throwaway AIRFLOW_HOME and point this process (before Airflow is imported) at it."""
    if "airflow" in sys.modules:
        raise RuntimeError("the validator must configure its sandbox before Airflow is imported")
    _remove_abandoned_sandboxes()
    home = Path(tempfile.mkdtemp(prefix=SANDBOX_PREFIX))
    (home / "pid").write_text(str(os.getpid()), encoding="ascii")
    (home / "work").mkdir()
    use_sandbox_home(home)
    os.environ["WFO_HOME"] = str(home)
    return home


def use_sandbox_home(home: Path) -> None:
    """Give `home` its folders and the secret-free airflow.cfg, and point this process at it (before Airflow
    is imported). Also used where a DAG's own callback runs (wfo.sla.callback_child)."""
    for sub in ("dags", "plugins", "logs"):
        (home / sub).mkdir(exist_ok=True)
    (home / "airflow.cfg").write_text(SANDBOX_CONFIG.format(home=home), encoding="utf-8")
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW_CONFIG"] = str(home / "airflow.cfg")


SANDBOX_PREFIX = "wfo-validator-"


def _remove_abandoned_sandboxes() -> None:
    """Sandboxes of validators that were SIGKILLed (they clean up after themselves otherwise)."""
    for folder in Path(tempfile.gettempdir()).glob(SANDBOX_PREFIX + "*"):
        try:
            pid = int((folder / "pid").read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        if not psutil.pid_exists(pid):
            shutil.rmtree(folder, ignore_errors=True)


def preload(home: Path) -> None:
    """Import what DAG files import, and parse one small DAG, so children start warm."""
    import importlib

    for name in PRELOAD_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            print(f"validator: could not preload {name}: {exc}", file=sys.stderr, flush=True)
    try:
        import wfo.operators as ops

        for name in ops.__all__:
            try:
                getattr(ops, name)
            except (ImportError, AttributeError) as exc:
                print(f"validator: could not preload wfo.operators.{name}: {exc}", file=sys.stderr)
    except ImportError:
        pass
    try:
        upgrade_in_this_process("upgrade", "warmup.py", WARMUP_DAG)  # libcst loads its parser lazily
    except ImportError as exc:
        print(f"validator: could not warm up the upgrade: {exc}", file=sys.stderr, flush=True)
    warm = home / "work" / "warmup"
    result = validate_in_this_process(warm, "warmup.py", WARMUP_DAG, 30.0)
    shutil.rmtree(warm, ignore_errors=True)
    if not result.ok:
        print(f"validator: warm-up DAG did not validate: {result.model_dump()}", file=sys.stderr, flush=True)


@dataclass
class _Job:
    conn: socket.socket
    accepted: float
    request: bytearray = field(default_factory=bytearray)
    kind: str = "validate"
    filename: str = ""
    timeout: float = 0.0
    pid: int | None = None
    pipe: int | None = None
    output: bytearray = field(default_factory=bytearray)
    deadline: float = 0.0
    started: float = 0.0
    workdir: Path | None = None


class ValidatorServer:
    def __init__(
        self, listener: socket.socket, home: Path, default_timeout: float, memory_mb: int, parent_pid: int
    ):
        self.listener = listener
        self.home = home
        self.default_timeout = default_timeout
        self.memory_mb = memory_mb
        self.parent_pid = parent_pid
        self.selector = selectors.DefaultSelector()
        self.reading: list[_Job] = []
        self.waiting: list[_Job] = []
        self.running: list[_Job] = []
        self.stop = False

    def serve_forever(self) -> None:
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        while not self.stop:
            if self.parent_pid and os.getppid() != self.parent_pid:
                break  # whoever started us is gone: a lazily started server must not outlive it
            for key, _ in self.selector.select(self._select_timeout()):
                if key.data is None:
                    self._accept()
                elif key.data[0] == "request":
                    self._read_request(key.data[1])
                else:
                    self._read_child(key.data[1])
            self._expire()
            while self.waiting and len(self.running) < MAX_CHILDREN:
                self._start(self.waiting.pop(0))
        for job in list(self.running):
            self._kill(job)

    def _select_timeout(self) -> float:
        now = time.monotonic()
        deadlines = [j.deadline for j in self.running] + [
            j.accepted + REQUEST_READ_SECONDS for j in self.reading
        ]
        return max(0.0, min([now + 1.0, *deadlines]) - now)

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        job = _Job(conn=conn, accepted=time.monotonic())
        self.reading.append(job)
        self.selector.register(conn, selectors.EVENT_READ, ("request", job))

    def _read_request(self, job: _Job) -> None:
        try:
            data = job.conn.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        job.request += data
        if len(job.request) > MAX_REQUEST_BYTES:
            self._done_reading(job)
            self._respond(job, failure("other", f"the file is larger than {MAX_REQUEST_BYTES} bytes"))
            return
        if data and b"\n" not in data:
            return
        self._done_reading(job)
        try:
            request = json.loads(bytes(job.request))
            job.kind = str(request.get("kind") or "validate")
            job.filename = str(request["filename"])
            source = str(request["source"])
            job.timeout = float(request.get("timeout") or self.default_timeout)
            if job.kind not in REQUEST_KINDS:
                raise ValueError(f"unknown request kind {job.kind!r}")
        except (ValueError, KeyError, TypeError) as exc:
            self._respond(job, failure("other", f"bad validator request: {exc}"))
            return
        job.request = bytearray(source.encode())
        self.waiting.append(job)

    def _done_reading(self, job: _Job) -> None:
        self.selector.unregister(job.conn)
        self.reading.remove(job)

    def _start(self, job: _Job) -> None:
        job.started = time.monotonic()
        job.deadline = job.started + job.timeout + KILL_GRACE_SECONDS
        pipe: tuple[int, int] | None = None
        try:
            job.workdir = Path(tempfile.mkdtemp(prefix="job-", dir=self.home / "work"))
            pipe = read_end, write_end = os.pipe()
            pid = os.fork()
        except OSError as exc:  # out of processes, descriptors or disk: this request fails, not the server
            for fd in pipe or ():
                os.close(fd)
            if job.workdir is not None:
                shutil.rmtree(job.workdir, ignore_errors=True)
            self._respond(job, failure("other", f"the validator could not start a check: {exc}"))
            return
        if pid == 0:  # child: never returns
            os.close(read_end)
            child_main(
                write_end,
                job.workdir,
                job.kind,
                job.filename,
                job.request.decode(),
                job.timeout,
                self.memory_mb,
            )
        os.close(write_end)
        job.pid, job.pipe = pid, read_end
        job.request = bytearray()
        self.running.append(job)
        self.selector.register(read_end, selectors.EVENT_READ, ("child", job))

    def _read_child(self, job: _Job) -> None:
        assert job.pipe is not None
        data = os.read(job.pipe, 1 << 16)
        if data:
            job.output += data
            return
        status = self._reap(job)
        try:
            answer = json.loads(bytes(job.output))
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except ValueError:
            answer = _crash_result(status, job).model_dump()
        self._respond(job, answer)

    def _expire(self) -> None:
        now = time.monotonic()
        for job in [j for j in self.running if j.deadline <= now]:
            self._kill(job)
            doing = "parsing" if job.kind == "validate" else "upgrading"
            message = f"{doing} the file took longer than {job.timeout:g} s and was stopped"
            self._respond(job, failure("timeout", message, seconds=now - job.started))
        for job in [j for j in self.reading if j.accepted + REQUEST_READ_SECONDS <= now]:
            self._done_reading(job)
            job.conn.close()

    def _kill(self, job: _Job) -> None:
        if job.pid is not None:
            try:
                os.killpg(job.pid, signal.SIGKILL)  # the child's group: whatever it started dies too
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(job.pid, signal.SIGKILL)  # in case it had not reached setpgid yet
            except ProcessLookupError:
                pass
        self._reap(job)

    def _reap(self, job: _Job) -> int:
        if job.pipe is not None:
            self.selector.unregister(job.pipe)
            os.close(job.pipe)
            job.pipe = None
        status = 0
        if job.pid is not None:
            _, status = os.waitpid(job.pid, 0)
        if job in self.running:
            self.running.remove(job)
        if job.workdir is not None:
            shutil.rmtree(job.workdir, ignore_errors=True)
        return status

    def _respond(self, job: _Job, result: ValidationResult | dict[str, object]) -> None:
        """Send the child's answer, or a `ValidationResult` failure (whatever the request's kind)."""
        answer = result.model_dump() if isinstance(result, ValidationResult) else result
        try:
            job.conn.setblocking(True)
            job.conn.settimeout(5.0)
            job.conn.sendall(json.dumps(answer).encode() + b"\n")
        except OSError:
            pass  # the client gave up; nothing to tell
        finally:
            job.conn.close()


def _crash_result(status: int, job: _Job) -> ValidationResult:
    seconds = time.monotonic() - job.started
    doing = "parsing" if job.kind == "validate" else "upgrading"
    # SIGABRT: a native parser (libcst's) aborts the process when an allocation fails.
    crashes = (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in crashes:
        return failure(
            "memory",
            f"{doing} the file crashed (signal {os.WTERMSIG(status)}), most likely by exceeding the "
            "validator's memory limit",
            seconds,
        )
    if os.WIFEXITED(status):
        message = f"the file's top-level code ended the parsing process (exit code {os.WEXITSTATUS(status)})"
    else:
        message = f"{doing} the file ended abnormally (signal {os.WTERMSIG(status)})"
    return failure("other", message, seconds)


def _listen(path: Path) -> socket.socket:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_uid != os.getuid():
        raise SystemExit(f"validator: {path.parent} belongs to another user; not listening there")
    os.chmod(path.parent, 0o700)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_umask)
    listener.listen(64)
    return listener


def serve(socket_path: Path, *, timeout: float, memory_mb: int, parent_pid: int, wait_for_lock: bool) -> int:
    """Run the server until SIGTERM (or until `parent_pid` exits, when given)."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(socket_path.with_name(socket_path.name + ".lock"), "w")  # held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait_for_lock else fcntl.LOCK_NB))
    except BlockingIOError:
        return 0  # another validator serves this socket already

    def stop_now(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # still starting: unwind, so the sandbox is removed

    signal.signal(signal.SIGTERM, stop_now)
    home = prepare_sandbox()
    try:
        preload(home)
        listener = _listen(socket_path)
        server = ValidatorServer(listener, home, timeout, memory_mb, parent_pid)

        def stop(_signum: int, _frame: object) -> None:
            server.stop = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"validator: listening on {socket_path}", flush=True)
        server.serve_forever()
        listener.close()
        socket_path.unlink(missing_ok=True)
        # Stopped: spare the exit its garbage collection over the preloaded heap (Airflow, providers),
        # seconds of CPU `wfo up`'s stop waited for; the kernel takes the memory at exit anyway.
        gc.freeze()
        return 0
    finally:
        shutil.rmtree(home, ignore_errors=True)
        lock.close()


# --------------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wfo.dagfiles.validator")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve validation requests on a Unix socket")
    run.add_argument("--socket", required=True, type=Path)
    run.add_argument("--timeout", type=float, default=30.0, help="default per-file parse timeout (s)")
    run.add_argument("--memory-mb", type=int, default=1024, help="address space a file may add (MiB)")
    run.add_argument("--parent-pid", type=int, default=0, help="exit when this process is gone")
    run.add_argument("--wait-for-lock", action="store_true", help="wait instead of exiting if one runs")
    args = parser.parse_args(argv)
    return serve(
        args.socket,
        timeout=args.timeout,
        memory_mb=args.memory_mb,
        parent_pid=args.parent_pid,
        wait_for_lock=args.wait_for_lock,
    )


if __name__ == "__main__":
    sys.exit(main())
