"""The wfo FastAPI app mounted at `/wfo` by the plugin (built only inside the api-server)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from wfo.plugin import errors
from wfo.plugin.deps import Authenticated
from wfo.plugin.guards.body_limits import AppBodyGuard
from wfo.plugin.routers import (
    audit,
    code_artifacts,
    code_bricks,
    config_groups,
    dag_files,
    eda,
    ldap,
    me,
    models,
    notebook_git,
    notebooks,
    sla_misses,
    spark_dependencies,
    spark_ui,
    static,
    visualisations,
)

API_PREFIX = "/api/v1"
MOUNT_PREFIX = "/wfo"


def create_app() -> FastAPI:
    app = FastAPI(
        title="wfo API",
        version="1",
        description="Config groups, repositories, DAG files, audit log and more. Authenticate with "
        "`Authorization: Bearer <token>` (from `POST /auth/token`) or the UI's session cookie.",
        # FastAPI's own docs routes would be anonymous; the schema is served below, behind login.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    api = APIRouter(prefix=API_PREFIX)
    for module in (
        me,
        audit,
        visualisations,
        config_groups,
        spark_dependencies,
        code_artifacts,
        dag_files,
        code_bricks,
        sla_misses,
        eda,
        notebooks,
        notebook_git,
        models,
        ldap,
    ):
        api.include_router(module.router)
    api.include_router(dag_files.examples_router)
    app.include_router(api)
    app.include_router(static.router)
    app.include_router(spark_ui.router)
    errors.install(app)
    # Bodies are read only for callers who logged in, and bounded before they are read (DESIGN §5).
    app.add_middleware(AppBodyGuard)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: Authenticated) -> JSONResponse:
        schema: dict[str, Any] = app.openapi()
        schema["servers"] = [{"url": MOUNT_PREFIX}]
        return JSONResponse(schema)

    return app
