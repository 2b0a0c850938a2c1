"""A Livy server double that runs the submitted statements on a real local Spark.

It speaks the part of Livy's REST API that sparkmagic (unmodified) uses: `GET/POST /sessions`,
`GET/DELETE /sessions/{id}`, `GET /sessions/{id}/state`, `GET /sessions/{id}/log`, `POST/GET
/sessions/{id}/statements[/{sid}]`, with Livy's state transitions (session `starting` -> `idle` <-> `busy`,
statement `waiting` -> `running` -> `available`) and output format (`{"status": "ok", "execution_count",
"data": {"text/plain": ...}}` or `{"status": "error", "ename", "evalue", "traceback"}`).

Python (`pyspark`) statements run in one namespace per session holding `spark`, `sc` and `sqlContext`, like
Livy's PySpark interpreter: printed text plus the value of a last expression is the result. Scala (`spark`)
statements are answered with an error (there is no Scala REPL here). Run it as a process, from `tests/`:

    python -m helpers.livy_double --port 18998     (prints "LIVY_DOUBLE_READY <port>" when serving)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from helpers.json_http import JsonHandler

_SPARK_LOCK = threading.Lock()
_SPARK: Any = None


def local_spark() -> Any:
    """One real local SparkSession for the whole double (sessions share its JVM, as a Livy on YARN
    would give each its own; enough for the kernels' tests)."""
    global _SPARK
    with _SPARK_LOCK:
        if _SPARK is None:
            from pyspark.sql import SparkSession

            _SPARK = (
                SparkSession.builder.master("local[1]")
                .appName("livy-double")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate()
            )
        return _SPARK


def run_python(code: str, namespace: dict[str, Any], count: int) -> dict[str, Any]:
    """Livy's PySpark interpreter in short: exec the statement, the last expression's value is shown."""
    out = io.StringIO()
    try:
        tree = ast.parse(code, mode="exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        with contextlib.redirect_stdout(out):
            exec(compile(tree, "<statement>", "exec"), namespace)
            if last is not None:
                value = eval(compile(last, "<statement>", "eval"), namespace)
                if value is not None:
                    print(repr(value))
    except Exception as exc:  # noqa: BLE001  (the statement's own error, reported as Livy does)
        return {
            "status": "error",
            "execution_count": count,
            "ename": type(exc).__name__,
            "evalue": str(exc),
            "traceback": traceback.format_exception(exc)[1:],
        }
    return {"status": "ok", "execution_count": count, "data": {"text/plain": out.getvalue().rstrip("\n")}}


class Session:
    def __init__(self, session_id: int, kind: str, body: dict[str, Any]) -> None:
        self.id = session_id
        self.kind = kind
        self.body = body
        self.state = "starting"
        self.statements: list[dict[str, Any]] = []
        self.namespace: dict[str, Any] = {}
        self.work: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.body.get("name"),
            "appId": f"local-livy-double-{self.id}",
            "owner": None,
            "proxyUser": self.body.get("proxyUser"),
            "state": self.state,
            "kind": self.kind,
            "appInfo": {"driverLogUrl": None, "sparkUiUrl": None},
            "log": [],
        }

    def _run(self) -> None:
        spark = local_spark()
        self.namespace.update(spark=spark, sc=spark.sparkContext, sqlContext=spark)
        self.state = "idle"
        while True:
            statement = self.work.get()
            if statement is None:
                return
            with self.lock:
                self.state = "busy"
                statement["state"] = "running"
            kind = statement.get("kind") or self.kind
            if kind in ("pyspark", "python"):
                output = run_python(statement["code"], self.namespace, statement["id"])
            else:
                output = {
                    "status": "error",
                    "execution_count": statement["id"],
                    "ename": "NotSupported",
                    "evalue": f"the Livy double runs Python statements only, not {kind!r}",
                    "traceback": [],
                }
            with self.lock:
                statement.update(output=output, state="available", progress=1.0, completed=int(time.time()))
                self.state = "idle"

    def submit(self, code: str, kind: str | None) -> dict[str, Any]:
        with self.lock:
            statement = {
                "id": len(self.statements),
                "code": code,
                "kind": kind,
                "state": "waiting",
                "output": None,
                "progress": 0.0,
                "started": int(time.time()),
                "completed": 0,
            }
            self.statements.append(statement)
        self.work.put(statement)
        return statement

    def stop(self) -> None:
        self.state = "dead"
        self.work.put(None)


class Livy:
    def __init__(self) -> None:
        self.sessions: dict[int, Session] = {}
        self.next_id = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def create(self, body: dict[str, Any]) -> Session:
        with self.lock:
            session = Session(self.next_id, str(body.get("kind") or "pyspark"), body)
            self.sessions[session.id] = session
            self.next_id += 1
        return session


def _handler(livy: Livy) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _reply(self, status: int, body: dict[str, Any]) -> None:
            self.reply_json(status, body)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}") if length else {}

        def _session(self, match: re.Match[str]) -> Session | None:
            session = livy.sessions.get(int(match.group(1)))
            if session is None:
                self._reply(404, {"msg": f"Session '{match.group(1)}' not found."})
            return session

        def do_GET(self) -> None:
            livy.requests.append(f"GET {self.path}")
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/sessions":
                sessions = [s.public() for s in livy.sessions.values()]
                self._reply(200, {"from": 0, "total": len(sessions), "sessions": sessions})
            elif m := re.fullmatch(r"/sessions/(\d+)", path):
                if session := self._session(m):
                    self._reply(200, session.public())
            elif m := re.fullmatch(r"/sessions/(\d+)/state", path):
                if session := self._session(m):
                    self._reply(200, {"id": session.id, "state": session.state})
            elif m := re.fullmatch(r"/sessions/(\d+)/log", path):
                if session := self._session(m):
                    self._reply(200, {"id": session.id, "from": 0, "size": 0, "log": []})
            elif m := re.fullmatch(r"/sessions/(\d+)/statements", path):
                if session := self._session(m):
                    with session.lock:
                        self._reply(200, {"statements": [dict(s) for s in session.statements]})
            elif m := re.fullmatch(r"/sessions/(\d+)/statements/(\d+)", path):
                if session := self._session(m):
                    index = int(m.group(2))
                    with session.lock:
                        found = dict(session.statements[index]) if index < len(session.statements) else None
                    if found is None:
                        self._reply(404, {"msg": "statement not found"})
                    else:
                        self._reply(200, found)
            else:
                self._reply(404, {"msg": f"no route {path}"})

        def do_POST(self) -> None:
            livy.requests.append(f"POST {self.path}")
            path = self.path.split("?", 1)[0].rstrip("/")
            body = self._body()
            if path == "/sessions":
                self._reply(201, livy.create(body).public())
            elif m := re.fullmatch(r"/sessions/(\d+)/statements", path):
                if session := self._session(m):
                    if session.state in ("dead", "error", "killed"):
                        self._reply(400, {"msg": f"Session {session.id} is {session.state}"})
                    else:
                        self._reply(201, dict(session.submit(str(body.get("code") or ""), body.get("kind"))))
            else:
                self._reply(404, {"msg": f"no route {path}"})

        def do_DELETE(self) -> None:
            livy.requests.append(f"DELETE {self.path}")
            if m := re.fullmatch(r"/sessions/(\d+)", self.path.rstrip("/")):
                if session := self._session(m):
                    session.stop()
                    livy.sessions.pop(session.id, None)
                    self._reply(200, {"msg": "deleted"})
            else:
                self._reply(404, {"msg": "no route"})

    return Handler


def serve(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(Livy()))
    print(f"LIVY_DOUBLE_READY {server.server_address[1]}", flush=True)
    server.serve_forever()


@contextlib.contextmanager
def livy_double(log: Path) -> Iterator[str]:
    """Run the double as a process (its Spark JVM ends with it); yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tests = Path(__file__).resolve().parents[1]  # where the `helpers` package is
    path = os.pathsep.join(p for p in (str(tests), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYTHONPATH": path}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "helpers.livy_double", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while b"LIVY_DOUBLE_READY" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Livy double did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    serve(parser.parse_args().port)
