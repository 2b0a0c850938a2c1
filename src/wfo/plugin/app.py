"""The wfo FastAPI app mounted at `/wfo` by the plugin (built only inside the api-server)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """On the api-server's way out (Airflow enters the lifespan of every mounted app), once uvicorn let the
    requests in flight finish: freeze the heap, so that the interpreter's teardown does not walk it.

    Python runs full garbage collections over every live object when it exits; in the api-server (Airflow,
    FAB, every router) that took 4.5-7 s of CPU after uvicorn's "Finished server process" on a 2-core
    machine (py-spy: nearly all of it in `gc_collect_main`), over 15 s under load. Every stop or restart of
    the api-server (`wfo up`'s SIGTERM, an LDAP save) waited for it, or for the supervisor's SIGKILL at the
    end of its grace period. Frozen objects are left to the kernel, which takes the whole address space at
    exit anyway; what is created after this point (little) is still collected.
    """
    yield
    gc.freeze()


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
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
