"""The Spark UI route without a server behind it: a clear 503, escapes refused, read-only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from wfo.plugin import errors
from wfo.plugin.deps import AUTH_MARKER, CurrentUser
from wfo.plugin.routers import spark_ui
from wfo.settings import Settings


def _unused_port() -> int:
    """A port P whose Spark UI port (P + 5001) nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1]) - 5001


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(spark_ui.router)
    errors.install(app)
    (route,) = app.routes[-1:]
    guard = next(dep.call for dep in route.dependant.dependencies if hasattr(dep.call, AUTH_MARKER))  # type: ignore[attr-defined]
    assert getattr(guard, AUTH_MARKER) == ("WFO Spark UI", "can_read")

    def developer(request: Request) -> CurrentUser:
        return CurrentUser(user=None, username="dev", source_ip="127.0.0.1", via_cookie=False)

    app.dependency_overrides[guard] = developer
    monkeypatch.setattr(spark_ui, "get_settings", lambda: Settings(home=tmp_path, port=_unused_port()))
    yield TestClient(app)


def test_without_a_running_server_the_answer_is_a_clear_503(client: TestClient) -> None:
    answer = client.get("/spark-ui/jobs/")
    assert answer.status_code == 503
    assert "the Spark Connect server is not running" in answer.json()["detail"]


def test_paths_that_leave_the_ui_are_refused_before_anything_is_asked(client: TestClient) -> None:
    # (httpx, under TestClient, resolves a literal "/../" itself: the platform test sends one as is.)
    for path in ("/spark-ui/%2e%2e/%2e%2e/x", "/spark-ui/jobs/..%2f..%2fx", "/spark-ui/jobs/%5c..%5cx"):
        answer = client.get(path)
        assert answer.status_code == 400, (path, answer.text)
        assert "not a Spark UI page" in answer.json()["detail"]


def test_only_reads_are_relayed(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/spark-ui/jobs/job/kill/?id=0").status_code == 405
