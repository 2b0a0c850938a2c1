"""Body guards on a real Starlette stack: limits before reading, bodies only for callers, no lone surrogates.

Who the caller is comes from Airflow's auth manager in the api-server (see the platform tests in
tests/integration/security/); here it is a stand-in keyed on the Bearer token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import Body, FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from wfo.plugin.guards import body_limits
from wfo.plugin.guards.body_limits import AppBodyGuard, RequestBodyLimit, has_lone_surrogate, takes_files
from wfo.plugin.uploads import multipart_body

# Module level: the routes' annotations are resolved in this module's namespace.
Doc = Annotated[dict[str, Any], Body()]
# What the endpoints managed to read, per request: proves whether a body was read at all.
READ: list[int] = []


@pytest.fixture(autouse=True)
def callers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def caller(scope: Any) -> object | None:
        auth = dict(scope["headers"]).get(b"authorization", b"")
        return object() if auth == b"Bearer good" else None

    monkeypatch.setattr(body_limits, "caller", caller)
    READ.clear()
    yield


def _app(guard: type, **kwargs: Any) -> TestClient:
    app = FastAPI()

    @app.post("/json")
    def take_json(doc: Doc) -> dict[str, int]:
        READ.append(len(str(doc)))
        return {"keys": len(doc)}

    @app.post("/files", openapi_extra=multipart_body({"files": {"type": "string"}}, ["files"]))
    async def take_files(request: Request) -> dict[str, int]:
        size = len(await request.body())
        READ.append(size)
        return {"size": size}

    app.add_middleware(guard, **kwargs)
    return TestClient(app)


GOOD = {"Authorization": "Bearer good"}


def test_an_anonymous_body_is_refused_unread() -> None:
    client = _app(AppBodyGuard, max_json_bytes=100)
    for headers in ({}, {"Authorization": "Bearer forged"}):
        resp = client.post("/json", json={"a": 1}, headers=headers)
        assert resp.status_code == 401 and "authenticated" in resp.json()["detail"]
    assert READ == []


def test_json_bodies_are_limited_by_declared_and_by_streamed_size() -> None:
    client = _app(AppBodyGuard, max_json_bytes=100)
    assert client.post("/json", json={"a": "x" * 50}, headers=GOOD).json() == {"keys": 1}
    declared = client.post("/json", json={"a": "x" * 200}, headers=GOOD)
    assert declared.status_code == 413 and "100 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b'{"a": "'
        for _ in range(50):
            yield b"x" * 10
        yield b'"}'

    streamed = client.post("/json", content=chunks(), headers={**GOOD, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert READ == [len(str({"a": "x" * 50}))]


def test_routes_that_take_files_keep_their_own_limit() -> None:
    client = _app(AppBodyGuard, max_json_bytes=100)
    resp = client.post("/files", content=b"y" * 5000, headers={**GOOD, "Content-Type": "multipart/form-data"})
    assert resp.json() == {"size": 5000}
    # Files are read only for callers, too.
    assert client.post("/files", content=b"y" * 10).status_code == 401


def test_a_lone_surrogate_is_a_clear_422() -> None:
    client = _app(AppBodyGuard, max_json_bytes=1000)
    body = b'{"title": "\\ud800"}'
    resp = client.post("/json", content=body, headers={**GOOD, "Content-Type": "application/json"})
    assert resp.status_code == 422 and "surrogate" in resp.json()["detail"]
    pair = b'{"title": "\\ud83d\\ude00"}'
    ok = client.post("/json", content=pair, headers={**GOOD, "Content-Type": "application/json"})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("body", "lone"),
    [
        (b'{"a": "\\ud800"}', True),
        (b'{"\\udfff": 1}', True),
        (b'["ok", {"deep": ["\\uDBFF"]}]', True),
        (b'{"a": "\\ud83d\\ude00"}', False),
        (b'{"a": "\\\\ud800"}', False),  # an escaped backslash, then plain text
        (b'{"a": "\\u00e9"}', False),
        (b"not json \\ud800", False),
    ],
)
def test_lone_surrogate_detection(body: bytes, lone: bool) -> None:
    assert has_lone_surrogate(body) is lone


def test_the_server_limit_answers_413_before_reading() -> None:
    client = _app(RequestBodyLimit, max_bytes=1000, public_role=False)
    assert client.post("/json", json={"a": "x" * 10}).status_code == 200
    declared = client.post("/json", json={"a": "x" * 2000})
    assert declared.status_code == 413 and declared.headers["connection"] == "close"

    def chunks() -> Iterator[bytes]:
        yield b'{"a": "'
        for _ in range(300):
            yield b"x" * 10
        yield b'"}'

    streamed = client.post("/json", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "1000 bytes" in streamed.json()["detail"]
    assert client.post("/json", content=b"{}", headers={"Content-Length": "12abc"}).status_code == 400
    assert READ == [len(str({"a": "x" * 10}))]


def test_airflow_api_bodies_need_a_caller() -> None:
    app = FastAPI()

    @app.post("/api/v2/variables")
    def create(doc: Doc) -> dict[str, int]:
        READ.append(1)
        return {}

    @app.post("/auth/token")
    def token(doc: Doc) -> dict[str, int]:
        READ.append(2)
        return {}

    app.add_middleware(RequestBodyLimit, max_bytes=1000, public_role=False)
    client = TestClient(app)
    assert client.post("/api/v2/variables", json={"key": "k"}).status_code == 401
    assert client.post("/api/v2/variables", json={"key": "k"}, headers=GOOD).status_code == 200
    # Logging in is how one gets a token: /auth gets only the size limit.
    assert client.post("/auth/token", json={"username": "u"}).status_code == 200
    assert READ == [1, 2]


def test_every_upload_route_of_ours_is_recognised_as_one() -> None:
    """A route reading multipart with `multipart_form` must say so, or the 4 MiB JSON limit would cut it."""
    from fastapi.routing import APIRoute

    from wfo.plugin.plugin import fastapi_apps

    def readers(dependant: Any) -> Iterator[Any]:
        for sub in dependant.dependencies:
            if getattr(sub.call, "__qualname__", "").startswith("multipart_form."):
                yield sub.call
            yield from readers(sub)

    uploads = []
    for entry in fastapi_apps():
        for route in entry["app"].routes:
            if isinstance(route, APIRoute) and any(readers(route.dependant)):
                uploads.append(route.path)
                assert takes_files(route), f"{entry['url_prefix']}{route.path} reads files but does not say so"
    assert len(uploads) >= 5
