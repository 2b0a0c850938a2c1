"""The hub's proxy (configurable-http-proxy through wfo-proxy.mjs) never forwards Airflow's `_token` cookie."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wfo.hub import component


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def backend() -> Iterator[tuple[str, list[str | None]]]:
    seen: list[str | None] = []

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_the_airflow_session_cookie_is_dropped(backend: tuple[str, list[str | None]]) -> None:
    target, seen = backend
    port, api = free_port(), free_port()
    proc = subprocess.Popen(
        [*component.proxy_command(), "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1",
         "--api-port", str(api), "--default-target", target, "--log-level", "error"],
        env={"PATH": "/usr/bin:/bin", "CONFIGPROXY_AUTH_TOKEN": "test"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/user/a/api",
                    headers={"Cookie": "_token=airflow-jwt; jupyterhub-session-id=s1; other=2"},
                )
                with urllib.request.urlopen(req, timeout=2) as resp:
                    assert resp.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        only_token = urllib.request.Request(f"http://127.0.0.1:{port}/x", headers={"Cookie": "_token=jwt"})
        urllib.request.urlopen(only_token, timeout=5).close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert seen == ["jupyterhub-session-id=s1; other=2", None], json.dumps(seen)
