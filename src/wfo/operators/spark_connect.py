"""PySpark tasks through Spark Connect: the script runs as a thin client of a warm server, no spark-submit.

Used by `PySparkOperator`/`CouturePySparkOperator` when the task's config group says `connect` (see
`wfo.clusters.spark_engine`) or the task says `spark_engine="connect"`. The script runs in a child process
(`wfo.sparkconnect.script`) with `SPARK_REMOTE` naming the server and a fresh session id, so each task has
its own session: temp views, confs and artifacts are not shared, and are released at the end. A killed task
interrupts its session's queries on the server. What Spark Connect cannot run (the RDD and SparkContext
APIs) is looked for in the script before it starts, and named with the way out.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from airflow.sdk.exceptions import AirflowFailException

from wfo.sparkconnect.local import session_remote
from wfo.sparkconnect.script import ARTIFACTS_ENV, CONFS_ENV, UNSUPPORTED_MARK

# Names whose use means the JVM-side API (SparkContext, RDDs), which a Spark Connect client does not have.
JVM_ATTRIBUTES = frozenset({"sparkContext", "rdd", "_jvm", "_jsc", "_jsparkSession", "_sc"})
JVM_NAMES = frozenset({"SparkContext", "SQLContext", "HiveContext"})


class SparkConnectUnsupported(AirflowFailException):
    """The script uses an API Spark Connect cannot run; the message says how to run it anyway (no retry:
    it would fail the same way)."""


def unsupported_uses(source: str) -> list[str]:
    """Where the script uses the SparkContext/RDD API, as 'line N: name' (empty: none found)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # the run says what is wrong with it
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in JVM_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in JVM_NAMES:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pyspark"):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name in JVM_NAMES]
    return sorted(set(found), key=lambda text: int(text.split(":")[0].removeprefix("line ")))


def unsupported_message(group: str, task_id: str, what: str) -> str:
    return (
        f"this PySpark script uses the SparkContext/RDD API ({what}), which Spark Connect cannot run (it has "
        f'no JVM on the client side). Run it with spark-submit: give the task spark_engine="submit" '
        f"(task {task_id!r}), or switch config group {group!r} back to spark-submit "
        f'(PUT /wfo/api/v1/config-groups/{group}/spark-engine {{"engine": "submit", "url": null}}); '
        "or use the DataFrame API instead (spark.conf.get instead of sparkContext.getConf(), "
        "spark.createDataFrame instead of sparkContext.parallelize)"
    )


def server_of(engine: dict[str, Any]) -> tuple[str, str]:
    """The `sc://` URL and token to use: the group's remote server, or the one `wfo up` runs (started if
    it waits for its first use)."""
    if engine.get("url"):
        return str(engine["url"]), str(engine.get("token") or "")
    from wfo.settings import get_settings
    from wfo.sparkconnect.local import ensure_started

    return ensure_started(get_settings())


def artifacts_of(arguments: dict[str, Any]) -> dict[str, list[str]]:
    """The rendered group's py-files, jars and files (local paths, comma-separated) as session artifacts."""

    def paths(name: str) -> list[str]:
        return [p for p in str(arguments.get(name) or "").split(",") if p]

    return {"pyfile": paths("py-files"), "jar": paths("jars"), "file": paths("files")}


class ConnectRun:
    """One script run as a Spark Connect client: started, its output logged line by line, killed on demand."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.forked_pid: int | None = None
        self.session_id = str(uuid.uuid4())

    def environment(
        self, url: str, token: str, confs: dict[str, str], artifacts: dict[str, Any]
    ) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "SPARK_CONNECT_AUTHENTICATE_TOKEN"}
        label = f"{confs.get('spark.workflow.dagId', 'wfo')}:{confs.get('spark.workflow.taskId', 'task')}"
        env["SPARK_REMOTE"] = session_remote(url, self.session_id, label)
        if token:
            env["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = token
        env[CONFS_ENV] = json.dumps(confs)
        env[ARTIFACTS_ENV] = json.dumps(artifacts)
        return env

    def run(self, script: Path, arguments: list[str], env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
        """Run the script; return its exit code and the last lines it printed.

        Forked from the instance's pre-imported runner when it runs (`wfo.sparkconnect.forkserver`), else a
        child process of this task.
        """
        argv = [str(script), *arguments]
        forked = self._run_forked(argv, env, cwd)
        if forked is not None:
            return forked
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wfo.sparkconnect.script", *argv],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        tail = self._log_lines(self.process.stdout)
        return self.process.wait(), tail

    def _log_lines(self, output: IO[bytes]) -> list[str]:
        tail: deque[str] = deque(maxlen=40)
        for raw in output:
            line = raw.decode(errors="replace").rstrip("\n")
            tail.append(line)
            self.log(line)
        return list(tail)

    def _run_forked(self, argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, list[str]] | None:
        """Through the runner's socket; None when there is no runner to ask (nothing was started then)."""
        import socket

        from wfo.settings import get_settings
        from wfo.sparkconnect.forkserver import socket_path

        path = socket_path(get_settings().run_dir)
        if not path.exists():
            return None
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        read_end, write_end = os.pipe()
        started = ""
        try:
            conn.connect(str(path))
            request = json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode() + b"\n"
            socket.send_fds(conn, [request], [write_end])
            answers = conn.makefile("r", encoding="utf-8")
            started = answers.readline().strip()
        except OSError:
            pass
        finally:
            os.close(write_end)
        if not started.startswith("pid "):
            os.close(read_end)
            conn.close()
            return None
        self.forked_pid = int(started.removeprefix("pid "))
        self.log(f"wfo: the client was forked from the instance's pre-imported runner (pid {self.forked_pid})")
        with os.fdopen(read_end, "rb") as output:
            tail = self._log_lines(output)
        ended = answers.readline().strip()
        conn.close()
        return (int(ended.removeprefix("exit ")) if ended.startswith("exit ") else 1), tail

    def kill(self) -> None:
        """SIGTERM: the client interrupts its session's operations on the server and releases the session."""
        from wfo.operators.spark_hook import kill_process_group

        if self.process is not None and self.process.poll() is None:
            kill_process_group(self.process, grace_seconds=15)
        if self.forked_pid is not None:
            _kill_group(self.forked_pid, grace_seconds=15)


def _kill_group(pid: int, grace_seconds: float) -> None:
    """SIGTERM the process group `pid` leads (not our child: polled, not waited for), SIGKILL what is left."""
    import signal
    import time

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def failure_message(code: int, tail: list[str], group: str, task_id: str) -> str:
    marked = next((line for line in tail if line.startswith(UNSUPPORTED_MARK)), None)
    if marked is not None:
        return unsupported_message(group, task_id, marked.removeprefix(UNSUPPORTED_MARK).strip()[:300])
    return (
        f"the PySpark script failed through Spark Connect (exit code {code}); its last lines:\n"
        + "\n".join(tail[-15:])
    )
