"""File answers: attachments with any file name, streamed files, and tar.gz exports spooled to disk."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import quote

from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask


def attachment(filename: str) -> str:
    """A Content-Disposition value for any file name (RFC 6266): HTTP headers are Latin-1, names are not.

    `filename*` carries the real name percent-encoded as UTF-8 (RFC 5987); the plain `filename` is an
    ASCII stand-in for clients that ignore `filename*` (`данные.csv` → `____.csv`).
    """
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\%' else "_" for ch in filename)
    encoded = quote(filename, safe="", errors="replace")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def download(
    stream: BinaryIO, filename: str, media_type: str = "application/octet-stream"
) -> StreamingResponse:
    """Stream an open binary file to the client as an attachment, closing it afterwards."""
    chunks = iter(lambda: stream.read(1024 * 1024), b"")
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={"Content-Disposition": attachment(filename), "X-Content-Type-Options": "nosniff"},
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
