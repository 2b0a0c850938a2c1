"""Our built UI bundle, served to logged-in users only (it holds no data, but nothing here is anonymous)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from wfo.plugin.deps import Authenticated

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MEDIA_TYPES = {
    ".cjs": "text/javascript",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}

router = APIRouter(tags=["static"])


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str, _: Authenticated) -> FileResponse:
    path = STATIC_DIR / name
    if not _SAFE_NAME.fullmatch(name) or not path.is_file():
        raise HTTPException(404, detail="no such file")
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
