"""Shared by routes that take file uploads: multipart parsing after auth, and domain errors → HTTP.

FastAPI parses a declared `File(...)` body before any dependency runs, so an anonymous client
could make the server spool gigabytes to disk before getting its 401. `multipart_form` is a
dependency instead: declared after the auth dependency, it runs only for callers who passed it,
and it stops reading once the request body exceeds its limit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, BinaryIO, NoReturn

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from wfo.audit.service import record_separately
from wfo.plugin.deps import CurrentUser
from wfo.repositories.errors import (
    ImportRefusedError,
    InUseError,
    InvalidUploadError,
    NotFoundError,
    NotTextError,
    RepositoryError,
)
from wfo.repositories.files import MAX_FILES_PER_UPLOAD, Upload
from wfo.storage.errors import FileTooLargeError, ObjectNotFoundError, StorageError
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


def status_for(exc: Exception) -> int:
    """The HTTP status of a repository or storage error."""
    if isinstance(exc, NotFoundError | ObjectNotFoundError):
        return 404
    if isinstance(exc, InUseError):
        return 409
    if isinstance(exc, FileTooLargeError):
        return 413
    if isinstance(exc, NotTextError):
        return 415
    if isinstance(exc, InvalidUploadError | ImportRefusedError | StorageError | RepositoryError):
        return 422
    return 500


def refuse(
    exc: Exception,
    current: CurrentUser,
    action: str,
    object_type: str,
    object_id: str | None,
    details: dict[str, Any] | None = None,
) -> NoReturn:
    """Record a failed change in the audit log and answer with the error's status and message."""
    record_separately(
        current.actor, action, object_type, object_id, "failure", {**(details or {}), "error": str(exc)}
    )
    raise HTTPException(status_for(exc), detail=str(exc)) from None


def refuse_import(
    exc: Exception,
    current: CurrentUser,
    action: str,
    object_type: str,
    details: dict[str, Any],
    rejected: list[Any],
    report: dict[str, Any],
) -> JSONResponse:
    """Audit an import or upload that was refused as a whole, and answer 422 with its report.

    The report says which files were refused and why, next to the usual `detail`.
    """
    audit = {**details, "error": str(exc), "rejected": rejected}
    record_separately(current.actor, action, object_type, None, "failure", audit)
    return JSONResponse(status_code=422, content={"detail": str(exc), **report})


def fail(exc: Exception) -> NoReturn:
    """Answer a read request that failed (nothing to audit)."""
    raise HTTPException(status_for(exc), detail=str(exc)) from None


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


def attachment(filename: str) -> str:
    """A Content-Disposition value for any file name (RFC 6266): HTTP headers are Latin-1, names are not.

    `filename*` carries the real name percent-encoded as UTF-8 (RFC 5987); the plain `filename` is an
    ASCII stand-in for clients that ignore `filename*` (`данные.csv` → `____.csv`).
    """
    from urllib.parse import quote

    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in filename)
    encoded = quote(filename, safe="", errors="replace")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def download(stream: Any, filename: str, media_type: str = "application/octet-stream") -> Any:
    """Stream an open binary file to the client as an attachment, closing it afterwards."""
    from starlette.background import BackgroundTask
    from starlette.responses import StreamingResponse

    chunks = iter(lambda: stream.read(1024 * 1024), b"")
    disposition = attachment(filename)
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
        background=BackgroundTask(stream.close),
    )


def tar_gz_response(write: Callable[[BinaryIO], object], prefix: str, filename: str) -> FileResponse:
    """Send the tar.gz that `write` produces, spooled to a temporary file removed once it is sent.

    A failing `write` removes the file and raises its error to the caller.
    """
    handle = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".tar.gz", delete=False)
    try:
        with handle:
            write(handle)  # type: ignore[arg-type]
    except BaseException:
        os.unlink(handle.name)
        raise
    return FileResponse(
        handle.name,
        media_type="application/gzip",
        filename=filename,
        background=BackgroundTask(os.unlink, handle.name),
    )
