"""`multipart_form`: the body is read only after auth, and never past its limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient
from starlette.datastructures import FormData

from wfo.plugin.uploads import form_flag, multipart_form, uploads_of


def auth(token: str | None = None) -> None:
    if token != "ok":
        raise HTTPException(401, detail="no")


# Module level: the route's annotations are resolved in this module's namespace.
Form = Annotated[FormData, Depends(multipart_form(1000))]
Auth = Annotated[None, Depends(auth)]


def _client() -> TestClient:
    app = FastAPI()

    @app.post("/upload")
    def upload(_: Auth, form: Form) -> dict[str, object]:
        files = uploads_of(form, "files")
        return {
            "files": [(u.filename, u.size, u.stream.read().decode()) for u in files],
            "dry": form_flag(form, "dry"),
        }

    return TestClient(app)


def test_files_and_flags_are_read() -> None:
    resp = _client().post(
        "/upload?token=ok",
        files=[("files", ("a.py", b"one")), ("files", ("b.py", b"two"))],
        data={"dry": "true"},
    )
    assert resp.status_code == 200
    assert resp.json() == {"files": [["a.py", 3, "one"], ["b.py", 3, "two"]], "dry": True}


def test_a_body_over_the_limit_is_refused_with_413() -> None:
    resp = _client().post("/upload?token=ok", files=[("files", ("big.py", b"x" * 5000))])
    assert resp.status_code == 413 and "1000 bytes" in resp.json()["detail"]


def test_a_chunked_body_is_cut_at_the_limit() -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.py"\r\n\r\n'
        for _ in range(100):
            yield b"x" * 100

    resp = _client().post(
        "/upload?token=ok", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert resp.status_code == 413


def test_auth_runs_before_the_body_is_read() -> None:
    resp = _client().post("/upload", files=[("files", ("big.py", b"x" * 5000))])
    assert resp.status_code == 401


def test_other_content_types_and_bad_fields() -> None:
    client = _client()
    assert client.post("/upload?token=ok", json={"files": []}).status_code == 415
    text_field = client.post("/upload?token=ok", files=[("x", ("a.py", b"1"))], data={"files": "text"})
    assert text_field.status_code == 422
    bad_flag = client.post("/upload?token=ok", files=[("files", ("a.py", b"1"))], data={"dry": "maybe"})
    assert bad_flag.status_code == 422
