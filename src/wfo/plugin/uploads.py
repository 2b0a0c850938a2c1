"""Multipart uploads, read only after auth and never past a limit; the form's fields, checked.

FastAPI parses a declared `File(...)` body before any dependency runs, so an anonymous client
could make the server spool gigabytes to disk before getting its 401. `multipart_form` is a
dependency instead: declared after the auth dependency, it runs only for callers who passed it,
and it stops reading once the request body exceeds its limit.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from wfo.repositories.files import MAX_FILES_PER_UPLOAD, Upload
from wfo.storage.limits import format_size


class _BodyTooLarge(Exception):
    pass


def multipart_form(max_body_bytes: int) -> Callable[[Request], AsyncIterator[FormData]]:
    """Dependency: the request's multipart form, read only up to `max_body_bytes`."""

    async def dependency(request: Request) -> AsyncIterator[FormData]:
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise HTTPException(415, detail="send the files as multipart/form-data")
        too_large = HTTPException(
            413, detail=f"the request is larger than the limit of {format_size(max_body_bytes)}"
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            raise too_large

        async def limited() -> AsyncGenerator[bytes, None]:
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_body_bytes:
                    raise _BodyTooLarge
                yield chunk

        parser = MultiPartParser(
            request.headers,
            limited(),
            max_files=MAX_FILES_PER_UPLOAD,
            max_fields=20,
        )
        try:
            form = await parser.parse()
        except _BodyTooLarge:
            raise too_large from None
        except MultiPartException as exc:
            raise HTTPException(400, detail=f"the multipart body cannot be read: {exc.message}") from None
        try:
            yield form
        finally:
            await form.close()

    return dependency


def uploads_of(form: FormData, field: str) -> list[Upload]:
    """The files sent in the multipart field `field` (text values there are refused)."""
    uploads = []
    for item in form.getlist(field):
        if not isinstance(item, UploadFile):
            raise HTTPException(422, detail=f"the field {field!r} must hold files, not text")
        uploads.append(Upload(item.filename or "", item.file, item.size))
    return uploads


def one_archive(form: FormData, field: str = "sources") -> Upload:
    """The single archive of an import (422 for none or several)."""
    sources = uploads_of(form, field)
    if len(sources) != 1:
        raise HTTPException(422, detail=f"send exactly one archive in the form field `{field}`")
    return sources[0]


def form_flag(form: FormData, field: str) -> bool:
    """A true/false field (absent: false)."""
    value = form.get(field)
    if value is None:
        return False
    if isinstance(value, UploadFile) or value.strip().lower() not in (
        "true",
        "false",
        "1",
        "0",
        "yes",
        "no",
        "",
    ):
        raise HTTPException(422, detail=f"the field {field!r} must be true or false")
    return value.strip().lower() in ("true", "1", "yes")


def form_text(form: FormData, field: str) -> str | None:
    """A text field (absent or empty: None)."""
    value = form.get(field)
    if isinstance(value, UploadFile):
        raise HTTPException(422, detail=f"the field {field!r} must be text")
    return value or None


def multipart_body(fields: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """`openapi_extra` documenting a multipart body parsed by `multipart_form`."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": fields, "required": required}
                }
            },
        }
    }
