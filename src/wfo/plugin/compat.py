"""The manual-compatible routes (`/api/configs/`, `/api/dependencies/`, `/api/dags/`).

Each is its own FastAPI app, mounted by the plugin at its prefix (never at `/api`, which would
swallow Airflow's `/api/v2`), with no docs and Bearer-token auth only. Starlette's `Mount` does
not match the bare prefix (`/api/dependencies` without the slash; that would fall through to
Airflow's UI catch-all), so a root middleware rewrites exactly those bare paths to the slash form.

Adding one: write an `APIRouter` whose routes are at `/` (using `require(..., bearer_only=True)`)
and add a `CompatMount` line to `MOUNTS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


@dataclass(frozen=True)
class CompatMount:
    """One manual-compatible app: where it is mounted and the router (`module:attribute`) it serves."""

    prefix: str
    router: str
    title: str


MOUNTS: tuple[CompatMount, ...] = (
    CompatMount("/api/configs", "wfo.plugin.routers.config_transfer:compat_router", "Config groups"),
    CompatMount(
        "/api/dependencies", "wfo.plugin.routers.spark_dependencies:compat_router", "Spark dependencies"
    ),
    CompatMount("/api/dags", "wfo.plugin.routers.dag_files:compat_router", "DAG files"),
)


def create_compat_app(mount: CompatMount) -> Any:
    from fastapi import FastAPI

    from wfo.plugin import errors
    from wfo.plugin.guards.body_limits import AppBodyGuard

    module_name, _, attribute = mount.router.partition(":")
    router = getattr(importlib.import_module(module_name), attribute)
    app = FastAPI(title=f"wfo {mount.title} import/export", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    errors.install(app)
    app.add_middleware(AppBodyGuard)
    return app


def compat_apps(mounts: tuple[CompatMount, ...] = MOUNTS) -> list[dict[str, Any]]:
    """The plugin's `fastapi_apps` entries of the manual-compatible apps."""
    return [
        {
            "app": create_compat_app(m),
            "url_prefix": m.prefix,
            "name": f"wfo-compat{m.prefix.replace('/', '-')}",
        }
        for m in mounts
    ]


class BarePrefixMiddleware:
    """ASGI middleware: `/api/dependencies` (exactly, any method) becomes `/api/dependencies/`."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = frozenset(p.rstrip("/") for p in prefixes)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            root = str(scope.get("root_path", "")).rstrip("/")
            local = path[len(root) :] if root and path.startswith(root) else path
            if local in self.prefixes:
                scope = dict(scope)
                scope["path"] = path + "/"
                if "raw_path" in scope and scope["raw_path"] is not None:
                    scope["raw_path"] = bytes(scope["raw_path"]) + b"/"
        await self.app(scope, receive, send)


def root_middlewares(mounts: tuple[CompatMount, ...] = MOUNTS) -> list[dict[str, Any]]:
    """The plugin's `fastapi_root_middlewares` entry that makes the bare prefixes work."""
    return [
        {
            "middleware": BarePrefixMiddleware,
            "args": [],
            "kwargs": {"prefixes": tuple(m.prefix for m in mounts)},
            "name": "wfo-compat-bare-prefixes",
        }
    ]
