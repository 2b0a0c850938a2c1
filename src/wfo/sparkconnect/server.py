"""`python -m wfo.sparkconnect.server`: the `spark-connect` component of `wfo up`.

A small Python process owns the Spark Connect server's JVM (`spark-submit --class ...SparkConnectServer`, local
master, driver memory `WFO_SPARK_CONNECT_MEMORY`): it starts it at once (`WFO_SPARK_CONNECT=on`) or when a
client first asks (`lazy`, through the control socket of `wfo.sparkconnect.local`), starts it again when it
dies (a SIGKILL, an out-of-memory end), and stops it with itself. So the test platform pays the JVM's
memory only if a test uses it, and the supervisor watches one process that does not die with the JVM.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from wfo.settings import Settings, get_settings
from wfo.sparkconnect import local, ui

log = logging.getLogger("wfo.sparkconnect")
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
# Given up after this many ends within `FAILURE_WINDOW` seconds (a broken setup, not a crash): clients then
# get the reason, and the next `start` after the window tries again.
MAX_FAILURES = 3
FAILURE_WINDOW = 120.0
# The first query of a fresh server costs seconds of JIT and class loading: paid here, not by a task. Its
# session is released (else `wfo status` lists it until the server's idle timeout).
WARM_UP = (
    "from pyspark.sql import SparkSession; spark = SparkSession.builder.getOrCreate(); "
    "spark.range(1).collect(); spark.stop()"
)


def spark_home() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        raise SystemExit("wfo: pyspark is not installed: the Spark Connect server cannot start")
    return Path(os.environ.get("SPARK_HOME") or Path(spec.origin).parent)


def server_argv(settings: Settings) -> list[str]:
    """spark-submit's command line for the server: loopback only; its UI too, served by wfo behind its login."""
    confs = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(settings.spark_connect_port),
        # Its UI on 127.0.0.1 too (SPARK_LOCAL_IP below), under wfo's route, without kill links.
        **ui.server_confs(settings),
        # The driver's own RPC and block-manager ports too (by default on the host's address, unauthenticated).
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        # Its own log lines per session and query would fill logs/wfo/spark-connect.log; ours say the state.
        "spark.log.level": "WARN",
        "spark.sql.warehouse.dir": str(work_dir(settings) / "spark-warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={work_dir(settings)}",
        # A session's artifacts (py-files, UDF code) stay in that session.
        "spark.sql.artifact.isolation.enabled": "true",
    }
    argv = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class",
        SERVER_CLASS,
        "--name",
        "wfo Spark Connect",
    ]
    argv += ["--master", "local[*]", "--driver-memory", settings.spark_connect_memory]
    for key, value in confs.items():
        argv += ["--conf", f"{key}={value}"]
    return [*argv, "spark-internal"]


def work_dir(settings: Settings) -> Path:
    return settings.run_dir / "spark-connect"


class Keeper:
    """Runs the JVM while wanted; restarts it when it ends; tells waiting clients when it is ready."""

    def __init__(self, settings: Settings, token: str) -> None:
        self.settings = settings
        self.token = token
        self.state = "idle"
        self.reason = ""
        self.process: subprocess.Popen[bytes] | None = None
        # The pre-imported runner tasks fork their clients from (wfo.sparkconnect.forkserver).
        self.runner: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None
        self.restarts = 0
        self._wanted = False
        self._stopping = False
        self._ends: deque[float] = deque(maxlen=MAX_FAILURES)
        self._changed = threading.Condition()

    def request(self) -> None:
        """Ask for the server without waiting (WFO_SPARK_CONNECT=on; a client's `start`)."""
        with self._changed:
            if self.state == "failed" and self._ends and time.monotonic() - self._ends[-1] > FAILURE_WINDOW:
                self.state, self.reason = "idle", ""
                self._ends.clear()
            self._wanted = True
            self._changed.notify_all()
            self._ensure_runner()

    def _ensure_runner(self) -> None:
        """Start the runner (again, if it ended); tasks start their own client process while it is missing."""
        if self._stopping or (self.runner is not None and self.runner.poll() is None):
            return
        env = {key: value for key, value in os.environ.items() if key != "SPARK_REMOTE"}
        argv = [sys.executable, "-P", "-m", "wfo.sparkconnect.forkserver"]
        self.runner = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL)

    def want(self, timeout: float) -> str:
        """Ask for the server; wait until it runs. Returns "ready" or "error <why>"."""
        self.request()
        with self._changed:
            done = self._changed.wait_for(lambda: self.state in ("running", "failed"), timeout)
            if not done:
                return f"error not ready after {timeout:.0f} s (see logs/wfo/{local.LOG_NAME})"
            return "ready" if self.state == "running" else f"error {self.reason}"

    def status(self) -> dict[str, Any]:
        """The JVM's state and, while it runs, the sessions open on it (read from its UI's Connect tab)."""
        with self._changed:
            found: dict[str, Any] = {
                "state": self.state,
                "mode": self.settings.spark_connect,
                "pid": self.process.pid if self.process is not None and self.state != "idle" else None,
                "url": local.remote_url(self.settings),
                "memory": self.settings.spark_connect_memory,
                "restarts": self.restarts,
                "started": self.started_at,
                "reason": self.reason or None,
                "ui": f"{self.settings.base_url}{ui.PREFIX}/",
                "sessions": [],
            }
        if found["state"] == "running":
            try:
                found["sessions"] = ui.open_sessions(self.settings)
            except OSError as exc:
                found["sessions"], found["sessions_reason"] = None, str(exc)
        return found

    def _set(self, state: str, reason: str = "") -> None:
        with self._changed:
            self.state, self.reason = state, reason
            self._changed.notify_all()

    def run(self) -> None:
        """The keeper's thread: (re)start the JVM whenever it is wanted and not running."""
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._stopping or (self._wanted and self.state != "failed"))
                if self._stopping:
                    return
            self._start_once()

    def _start_once(self) -> None:
        self._set("starting")
        if self.started_at is not None:
            self.restarts += 1
        # SPARK_LOCAL_IP: the address the Spark UI binds (it has no conf of its own for that).
        env = {**os.environ, "SPARK_CONNECT_AUTHENTICATE_TOKEN": self.token, "SPARK_LOCAL_IP": "127.0.0.1"}
        env.pop("SPARK_REMOTE", None)
        # Python UDFs run in the server's Python workers: wfo's Python (pyarrow ...) unless the admin says.
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        work_dir(self.settings).mkdir(parents=True, exist_ok=True)
        log.info("starting the Spark Connect server (%s)", " ".join(server_argv(self.settings)))
        self.process = subprocess.Popen(
            server_argv(self.settings), env=env, cwd=work_dir(self.settings), stdin=subprocess.DEVNULL
        )
        self.started_at = time.time()
        if self._wait_until_listening() and self._warm_up():
            self._set("running")
            log.info("the Spark Connect server runs (pid %s)", self.process.pid)
        code = self.process.wait()
        if code in (-signal.SIGTERM, 128 + signal.SIGTERM):
            # `wfo up` stops its process group: the JVM may see the SIGTERM before this process handles it.
            time.sleep(1)
        if self._stopping:
            return
        self._ends.append(time.monotonic())
        failing = len(self._ends) == MAX_FAILURES and self._ends[-1] - self._ends[0] < FAILURE_WINDOW
        log.warning("the Spark Connect server ended (exit code %s)%s", code, "; giving up" if failing else "")
        if failing:
            self._set(
                "failed", f"it ended {MAX_FAILURES} times within {FAILURE_WINDOW:.0f} s (exit code {code})"
            )
        else:
            self._set("starting")

    def _wait_until_listening(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + local.START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.settings.spark_connect_port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.3)
        if self.process.poll() is None:
            self.process.kill()  # never answered: its end is handled like a crash
        return False

    def _warm_up(self) -> bool:
        env = {
            **os.environ,
            "SPARK_REMOTE": local.remote_url(self.settings),
            "SPARK_CONNECT_AUTHENTICATE_TOKEN": self.token,
        }
        try:
            subprocess.run([sys.executable, "-c", WARM_UP], env=env, timeout=local.START_TIMEOUT, check=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log.warning("the warm-up query failed (%s); the server is used anyway", exc)
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for process in (self.runner, self.process):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


class _Control(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    keeper: Keeper


class _Request(socketserver.StreamRequestHandler):
    server: _Control

    def handle(self) -> None:
        request = self.rfile.readline(64).decode("ascii", errors="replace").strip()
        if request == "start":
            answer = self.server.keeper.want(local.START_TIMEOUT)
        elif request == "status":
            answer = json.dumps(self.server.keeper.status())
        else:
            answer = f"error unknown request {request[:20]!r}"
        self.wfile.write(answer.encode("utf-8") + b"\n")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if settings.spark_connect == "off":
        raise SystemExit("wfo: WFO_SPARK_CONNECT=off: the spark-connect component is not started")
    keeper = Keeper(settings, local.ensure_token(settings))
    path = local.control_socket(settings)
    path.unlink(missing_ok=True)
    old_umask = os.umask(0o077)  # only the instance's owner may ask (the socket is created 0600)
    try:
        control = _Control(str(path), _Request)
    finally:
        os.umask(old_umask)
    control.keeper = keeper

    def stop(_signum: int, _frame: object) -> None:
        keeper.stop()
        threading.Thread(target=control.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=keeper.run, name="keeper", daemon=True).start()
    if settings.spark_connect == "on":
        keeper.request()
    log.info("control socket %s (mode %s)", path, settings.spark_connect)
    try:
        control.serve_forever(poll_interval=0.5)
    finally:
        control.server_close()
        path.unlink(missing_ok=True)
        keeper.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
