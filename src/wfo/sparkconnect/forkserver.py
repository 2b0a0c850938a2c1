"""`python -m wfo.sparkconnect.forkserver`: Spark Connect clients forked from a pre-imported process.

A task's client process spends most of its time importing pyspark's Connect client (pandas, pyarrow, grpc:
0.6 s on an idle machine, seconds on a busy one). This single-threaded process imports them once and forks a
child per request, which runs `wfo.sparkconnect.script` as the task's own child would. The keeper starts it
with the server; a task that cannot reach it starts its own child process instead (`wfo.operators.spark_connect`).

Protocol on `$WFO_HOME/run/spark-connect-runner.sock` (0600): the client sends one JSON line `{"argv": [...],
"env": {...}, "cwd": "..."}` with its output's file descriptor attached (SCM_RIGHTS); the server answers one line
`pid <n>` (the child leads a process group of its own: the task kills it by that), then, when it ends,
`exit <code>`.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys
from pathlib import Path

SOCKET_NAME = "spark-connect-runner.sock"
MAX_REQUEST_BYTES = 4 * 1024 * 1024


def socket_path(run_dir: Path) -> Path:
    return run_dir / SOCKET_NAME


def _child(request: dict[str, object], output: int) -> None:
    """In the forked child: become the task's client process, run the script, never return."""
    code = 1
    try:
        os.setsid()
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        env = request["env"]
        assert isinstance(env, dict)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in env.items()})
        os.chdir(str(request["cwd"]))
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from wfo.sparkconnect import script

        argv = request["argv"]
        assert isinstance(argv, list)
        code = script.main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child must report any failure and exit, never return
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: Path) -> None:
    path.unlink(missing_ok=True)
    old_umask = os.umask(0o077)
    try:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(path))
    finally:
        os.umask(old_umask)
    listener.listen(32)
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    waiting: dict[int, socket.socket] = {}  # child pid -> the connection that gets its exit code
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        for _key, _events in selector.select(timeout=0.1):
            conn, _ = listener.accept()
            _start(conn, waiting)
        _reap(waiting)
    for pid in waiting:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    path.unlink(missing_ok=True)


def _start(conn: socket.socket, waiting: dict[int, socket.socket]) -> None:
    conn.setblocking(True)
    conn.settimeout(10)
    try:
        data, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST_BYTES, 1)
        while not data.endswith(b"\n") and len(data) < MAX_REQUEST_BYTES:
            more = conn.recv(MAX_REQUEST_BYTES)
            if not more:
                break
            data += more
        request = json.loads(data)
        if len(fds) != 1 or not isinstance(request, dict):
            raise ValueError("a request is one JSON object and one file descriptor")
    except (OSError, ValueError) as exc:
        try:
            conn.sendall(f"error {exc}\n".encode())
        except OSError:
            pass
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        conn.close()
        _child(request, fds[0])
    os.close(fds[0])
    try:
        conn.sendall(f"pid {pid}\n".encode())
    except OSError:
        pass
    waiting[pid] = conn


def _reap(waiting: dict[int, socket.socket]) -> None:
    while waiting:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = waiting.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass
            conn.close()


def main() -> int:
    # What a client needs, imported once here so that each forked child starts with it.
    import pyspark.sql.connect.session  # noqa: F401
    from pyspark.sql import SparkSession  # noqa: F401

    import wfo.sparkconnect.script  # noqa: F401
    from wfo.settings import get_settings

    serve(socket_path(get_settings().run_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
