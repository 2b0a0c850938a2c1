"""The Spark Connect server of this instance as its clients see it: where it listens, its token, its start.

The server (`wfo.sparkconnect.server`, the `spark-connect` component of `wfo up`) listens on 127.0.0.1 at
`--port` + 5000 and admits only clients that present the instance's token (`$WFO_HOME/run/spark-connect.token`,
mode 0600, made once). A client asks the component to start it (lazy mode) and waits until it answers,
through the control socket `$WFO_HOME/run/spark-connect.sock`: one line `start` answered `ready` or
`error <why>`; `status` is answered by one JSON line. Light: no pyspark, no Airflow.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from pathlib import Path
from typing import Any

from wfo.settings import Settings

SOCKET_NAME = "spark-connect.sock"
TOKEN_NAME = "spark-connect.token"
LOG_NAME = "spark-connect.log"
# How long a client waits for a cold start (JVM, Spark context, first query) on a busy 2-core machine.
START_TIMEOUT = 240.0


class ServerUnavailable(RuntimeError):
    """This instance's Spark Connect server is off, not running, or failed to start (the message says which)."""


def control_socket(settings: Settings) -> Path:
    return settings.run_dir / SOCKET_NAME


def token_path(settings: Settings) -> Path:
    return settings.run_dir / TOKEN_NAME


def remote_url(settings: Settings) -> str:
    """The server's `sc://` address: localhost (the client then sends its token over a local channel)."""
    return f"sc://localhost:{settings.spark_connect_port}"


def session_remote(url: str, session_id: str, label: str) -> str:
    """`SPARK_REMOTE` for a session of its own, whose user id is `label` (the task, the notebook's user): the
    Spark UI's Connect tab and `wfo status` show it next to the session."""
    user = re.sub(r"[^A-Za-z0-9._:@-]", "_", label)[:120] or "wfo"
    return f"{url}/;session_id={session_id};user_id={user}"


def ensure_token(settings: Settings) -> str:
    """The instance's token, made (0600) on first use; the server and its clients read the same file."""
    path = token_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_token(settings)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(32))
    return read_token(settings)


def read_token(settings: Settings) -> str:
    try:
        return token_path(settings).read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ServerUnavailable(
            f"the Spark Connect token of this instance cannot be read ({exc.strerror}): is `wfo up` running "
            f"for {settings.home}, with WFO_SPARK_CONNECT on or lazy?"
        ) from None


def _ask(settings: Settings, request: str, timeout: float) -> str:
    path = control_socket(settings)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall(request.encode("ascii") + b"\n")
            with conn.makefile("r", encoding="utf-8") as answer:
                return answer.readline().strip()
    except (FileNotFoundError, ConnectionRefusedError):
        raise ServerUnavailable(
            f"wfo's Spark Connect server is not running for {settings.home} (no {path}): start wfo with "
            "WFO_SPARK_CONNECT=lazy or on, or give the config group a server URL"
        ) from None
    except TimeoutError:
        raise ServerUnavailable(
            f"wfo's Spark Connect server did not answer within {timeout:.0f} s (see logs/wfo/{LOG_NAME})"
        ) from None
    except OSError as exc:
        raise ServerUnavailable(f"wfo's Spark Connect server cannot be reached: {exc}") from None


def ensure_started(settings: Settings, timeout: float = START_TIMEOUT) -> tuple[str, str]:
    """Start the instance's server if it is not running (lazy mode); return its URL and token."""
    answer = _ask(settings, "start", timeout)
    if answer != "ready":
        why = answer.removeprefix("error ").strip() or "the component closed the connection"
        raise ServerUnavailable(f"wfo's Spark Connect server could not be started: {why}")
    return remote_url(settings), read_token(settings)


def server_status(settings: Settings, timeout: float = 5.0) -> dict[str, Any]:
    """The component's state (`wfo status`): {"state": idle|starting|running|failed, "pid", "sessions", ...}."""
    answer = _ask(settings, "status", timeout)
    found: dict[str, Any] = json.loads(answer)
    return found
