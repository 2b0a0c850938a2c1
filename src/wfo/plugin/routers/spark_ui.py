"""`/wfo/spark-ui/...`: Spark's own web UI of wfo's Spark Connect server, for Developers and Admins.

Read-only (GET/HEAD) and streamed; the page comes from `wfo.sparkconnect.ui`, which keeps paths under the UI
and answers 503 while the server does not run.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.settings import get_settings
from wfo.sparkconnect import ui

router = APIRouter(tags=["spark-ui"])

CanView = Annotated[CurrentUser, Depends(require(roles.SPARK_UI, roles.CAN_READ))]


@router.api_route("/spark-ui/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def spark_ui_page(path: str, request: Request, _: CanView) -> StreamingResponse:
    page = await ui.open_page(
        get_settings(), request.method, path, request.scope.get("query_string", b""), request.headers
    )
    return StreamingResponse(
        page.body, status_code=page.status, headers=page.headers, background=BackgroundTask(page.close)
    )
