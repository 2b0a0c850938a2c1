"""One way to answer errors: domain errors become `{"detail": ...}` with their own status, documented.

`install(app)` registers the handler for `WfoError` on an app and, once its routes are in place, adds to
every route's OpenAPI the error answers it can give: 401 and 403 for routes behind `require(...)`, 422 for
routes that take input, plus the statuses a route declares with `responses=errors(404, 409)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field
from pydantic import BaseModel

from wfo.errors import WfoError
from wfo.plugin.deps import AUTH_MARKER

# Why each status is answered, as the OpenAPI description says it.
_DESCRIPTIONS = {
    400: "The request is malformed",
    401: "Not logged in: send `Authorization: Bearer <token>` (from `POST /auth/token`) or the UI's cookie",
    403: "Logged in, but not allowed to do this",
    404: "No such object (or not visible to you)",
    409: "Conflicts with the current state (a name taken, a newer revision, in use)",
    413: "A body, file or archive is larger than its limit (the message names it)",
    415: "The content cannot be handled in this form",
    422: "The input is not acceptable; `detail` says why",
    503: "A component the request needs is not available; try again",
}


class ErrorBody(BaseModel):
    """Every error answer: `detail` is a message, or structured data where the route says so."""

    detail: Any


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route decorator: the error statuses (beyond 401/403/422) the route may answer."""
    return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses}


async def _answer(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WfoError)
    return JSONResponse(status_code=exc.status, content={"detail": exc.detail, **exc.extra})


def _has_auth(route: APIRoute) -> bool:
    return any(hasattr(dep.call, AUTH_MARKER) for dep in route.dependant.dependencies) or any(
        hasattr(sub.call, AUTH_MARKER) for dep in route.dependant.dependencies for sub in dep.dependencies
    )


def _takes_input(route: APIRoute) -> bool:
    dependant = route.dependant
    return bool(
        dependant.path_params
        or dependant.query_params
        or dependant.body_params
        or route.openapi_extra and "requestBody" in route.openapi_extra
    )


def _takes_body(route: APIRoute) -> bool:
    return bool(route.dependant.body_params or route.openapi_extra and "requestBody" in route.openapi_extra)


def document(app: FastAPI) -> None:
    """Add the implied error answers (401, 403; 422 for input; 400, 413, 415 for a body) to every route."""
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        implied = []
        if _has_auth(route):
            implied += [401, 403]
        if _takes_input(route):
            implied.append(422)
        if _takes_body(route):
            # A body that cannot be parsed (400), is too large (413) or of another type (415).
            implied += [400, 413, 415]
        for status in implied:
            if status in route.responses:
                continue
            route.responses[status] = {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
            # FastAPI turns `model` into a schema field when the route is built; do what it does.
            route.response_fields[status] = create_model_field(
                name=f"Response_{status}_{route.unique_id}", type_=ErrorBody, mode="serialization"
            )
    app.openapi_schema = None


def install(app: FastAPI) -> None:
    """Answer domain errors on `app` and document every route's errors (call after including routers)."""
    app.add_exception_handler(WfoError, _answer)
    document(app)
