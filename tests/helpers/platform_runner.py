"""Start and drive a real `wfo up` instance for tests (one per session; see tests/conftest.py)."""

from __future__ import annotations

import configparser
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from wfo.cli import processes as wfo_processes

# Passwords of the role users the session platform gets (one user per role).
ROLE_USERS = {
    "admin": "Admin",
    "op_user": "Op",
    "dev_user": "Developer",
    "plain_user": "User",
    "viewer_user": "Viewer",
    "public_user": "Public",
}


def role_password(username: str) -> str:
    # Test-only users of a throwaway instance; a fixed pattern keeps failures reproducible.
    return f"pw-{username}-Secret1"


VENV_BIN = Path(sys.executable).parent

_ENV_DUMP_DAG = """
import json, os
from airflow.sdk import dag, task

@dag(dag_id={dag_id!r}, schedule=None, catchup=False)
def env_dump():
    @task
    def dump():
        with open({out!r}, "w") as fh:
            json.dump(dict(os.environ), fh)

    dump()

env_dump()
"""


def env_dump_dag(dag_id: str, out: Path) -> str:
    """A DAG whose one task writes its process environment to `out` as JSON."""
    return _ENV_DUMP_DAG.format(dag_id=dag_id, out=str(out))


WFO = str(VENV_BIN / "wfo")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


# The api-server's port and those wfo derives from it (wfo.settings.PORT_SPAN).
DERIVED_PORT_OFFSETS = (0, 1000, 2000, 3000, 3001, 3002, 4000, 5000, 5001)


def free_port(start: int = 18100, end: int = 19000) -> int:
    """A port P with P and the ports derived from it free (log servers, notebook hub, model server, Spark Connect)."""
    candidates = list(range(start, end))
    offset = secrets.randbelow(len(candidates))
    for port in candidates[offset:] + candidates[:offset]:
        if all(_port_free(port + offset) for offset in DERIVED_PORT_OFFSETS):
            return port
    raise RuntimeError("no free port with its derived ports found")


def instance_commands(home: Path) -> dict[int, str]:
    """pid -> command line of the live processes of the instance at `home`, and of nothing else on the
    machine (by the environment, and the descendants of the pids in run/wfo.json: see wfo.cli.processes)."""
    commands = {}
    for process in wfo_processes.instance_processes(home):
        try:
            commands[process.pid] = " ".join(process.cmdline())
        except psutil.Error:
            continue
    return commands


def instance_processes(home: Path) -> list[str]:
    return [f"{pid}: {command[:150]}" for pid, command in instance_commands(home).items()]


def multipart(
    files: list[tuple[str, bytes]], *, field: str = "files", fields: dict[str, str] | None = None
) -> tuple[bytes, str]:
    boundary = f"wfo-test-{secrets.token_hex(8)}"
    parts = []
    for name, value in (fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def tar_gz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A tar.gz of `members` (path → bytes) and symbolic `links` (path → target), as the imports take."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return out.getvalue()


class HttpError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Platform:
    home: Path
    port: int
    admin_password: str
    process: subprocess.Popen[bytes] | None = None
    output_path: Path | None = None
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"WFO_HOME": str(self.home), "WFO_PORT": str(self.port)})
        env.update(extra)
        return env

    # --- lifecycle -------------------------------------------------------------------------------
    def start(
        self, timeout: float = 480.0, args: tuple[str, ...] = (), wait: bool = True, **extra_env: str
    ) -> None:
        """`wfo up`; with `wait`, until it says it is up (else call `wait_ready`, e.g. to start two at once)."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.output_path = self.home.parent / f"{self.home.name}-up.log"
        out = open(self.output_path, "ab")  # closed with the process
        env = self.env(WFO_ADMIN_PASSWORD=self.admin_password, **extra_env)
        self.process = subprocess.Popen(
            [WFO, "up", "--port", str(self.port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        out.close()
        if wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 480.0) -> None:
        # The timeout only catches a hang: on a 2-core machine shared by several test sessions a start
        # takes minutes.
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"wfo up exited with {self.process.returncode}:\n{self.output()}")
            if "wfo is up:" in self.output():
                return
            time.sleep(0.5)
        self.stop()  # nobody else will: the caller gets no running instance to clean up
        raise RuntimeError(f"wfo up did not come up within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        if self.output_path is None or not self.output_path.exists():
            return ""
        return self.output_path.read_text(errors="replace")

    def stop(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    # --- HTTP --------------------------------------------------------------------------------------
    def token(self, username: str = "admin", password: str | None = None) -> str:
        if username not in self._tokens:
            body = {"username": username, "password": password or self.admin_password}
            resp = self.request("POST", "/auth/token", json_body=body, expected=(200, 201))
            self._tokens[username] = resp.json()["access_token"]
        return self._tokens[username]

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
        expected: tuple[int, ...] | None = None,
    ) -> Response:
        all_headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                result = Response(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            result = Response(exc.code, exc.read(), dict(exc.headers))
        if expected is not None and result.status not in expected:
            raise HttpError(result.status, result.body.decode(errors="replace"))
        return result

    def upload(
        self,
        path: str,
        files: list[tuple[str, bytes]],
        *,
        field: str = "files",
        user: str = "admin",
        password: str | None = None,
        fields: dict[str, str] | None = None,
        method: str = "POST",
    ) -> Response:
        """POST files as multipart/form-data (like a browser or `curl --form`)."""
        body, content_type = multipart(files, field=field, fields=fields)
        return self.request(
            method, path, data=body, token=self.token(user, password), headers={"Content-Type": content_type}
        )

    def api(self, method: str, path: str, user: str = "admin", **kwargs: Any) -> Response:
        return self.request(
            method, "/wfo/api/v1" + path, token=self.token(user, kwargs.pop("password", None)), **kwargs
        )

    def airflow_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [WFO, "airflow", *args], env=self.env(), capture_output=True, text=True, check=check, timeout=300
        )

    def config_value(self, section: str, key: str) -> str:
        """A value of the generated `$WFO_HOME/airflow.cfg` (what `wfo airflow config get-value` reads,
        without a cold CLI start)."""
        parser = configparser.RawConfigParser()
        if not parser.read(self.home / "airflow.cfg"):
            raise FileNotFoundError(self.home / "airflow.cfg")
        return parser.get(section, key)

    # --- DAGs ---------------------------------------------------------------------------------------
    def deploy_dag(self, filename: str, code: str, timeout: float = 120.0) -> list[str]:
        """Save a DAG file through wfo's DAG-files API, as a user would: validated, committed and
        priority-parsed. Waits until Airflow parsed this content; returns the file's DAG ids."""
        path = f"/dag-files/{filename}"
        current = self.api("GET", path)
        base = current.json()["revision"] if current.status == 200 else None
        saved = self.api("PUT", path, json_body={"content": code, "base_revision": base}, expected=(200,))
        dag_ids = [str(dag_id) for dag_id in saved.json()["validation"]["dag_ids"]]
        deadline = time.monotonic() + timeout
        while True:
            detail = self.api("GET", path, expected=(200,)).json()
            if detail["state"] == "error":
                raise RuntimeError(f"Airflow could not parse {filename}:\n{detail['error']}")
            if detail["state"] == "ok" and set(dag_ids) <= set(detail["dag_ids"]):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{filename} was not parsed within {timeout} s: {detail['state']}")
            time.sleep(0.25)
        for dag_id in dag_ids:
            self.wait_for_dag(dag_id, timeout)
        return dag_ids

    def wait_for_dag(self, dag_id: str, timeout: float = 120.0) -> None:
        """Wait until the DAG processor has parsed `dag_id` (e.g. an example from the wfo bundle)."""
        deadline = time.monotonic() + timeout
        while self.request("GET", f"/api/v2/dags/{dag_id}", token=self.token()).status != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAG {dag_id} was not parsed within {timeout} s")
            time.sleep(0.25)

    def unpause(self, dag_id: str) -> None:
        """Wait until `dag_id` is parsed, then turn it on (so the scheduler runs what is triggered)."""
        self.wait_for_dag(dag_id)
        self.request(
            "PATCH",
            f"/api/v2/dags/{dag_id}",
            json_body={"is_paused": False},
            token=self.token(),
            expected=(200,),
        )

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause and trigger a DAG; returns the run id."""
        self.unpause(dag_id)
        run = self.request(
            "POST",
            f"/api/v2/dags/{dag_id}/dagRuns",
            token=self.token(),
            expected=(200,),
            json_body={"logical_date": None, "conf": conf or {}},
        ).json()
        return str(run["dag_run_id"])

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 180.0) -> str:
        """Wait for a DAG run to finish; returns its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.request(
                "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", token=self.token(), expected=(200,)
            ).json()["state"]
            if state in ("success", "failed"):
                return str(state)
            time.sleep(0.5)
        raise TimeoutError(f"run {run_id} of {dag_id} did not finish within {timeout} s")

    def trigger_and_wait(
        self, dag_id: str, conf: dict[str, Any] | None = None, timeout: float = 180.0
    ) -> str:
        """Unpause, trigger and wait for a DAG run; returns its final state."""
        return self.wait_for_run(dag_id, self.trigger(dag_id, conf), timeout)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The task's log as text (the structured log entries, one per line)."""
        resp = self.request(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}?full_content=true",
            token=self.token(),
            headers={"Accept": "application/json"},
            expected=(200,),
        )
        content = resp.json()["content"]
        return "\n".join(entry if isinstance(entry, str) else json.dumps(entry) for entry in content)

    def create_user(self, username: str, role: str, password: str) -> None:
        """Create a user through FAB's REST API (seconds faster than a CLI process per user)."""
        body = {
            "username": username,
            "password": password,
            "first_name": username,
            "last_name": "Test",
            "email": f"{username}@example.com",
            "roles": [{"name": role}],
        }
        self.request("POST", "/auth/fab/v1/users", json_body=body, token=self.token(), expected=(200,))

    def create_user_with_cli(self, username: str, role: str, password: str) -> None:
        self.airflow_cli(
            "users",
            "create",
            "--username",
            username,
            "--password",
            password,
            "--role",
            role,
            "--firstname",
            username,
            "--lastname",
            "Test",
            "--email",
            f"{username}@example.com",
        )
