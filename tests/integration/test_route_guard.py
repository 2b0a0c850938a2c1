"""Every route of every app we mount requires authentication (DESIGN §5), checked by walking them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from wfo.plugin.deps import AUTH_MARKER
from wfo.plugin.plugin import fastapi_apps


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependency_calls(sub)


def mounted_routes() -> Iterator[tuple[str, Any]]:
    for entry in fastapi_apps():
        app: FastAPI = entry["app"]
        for route in app.routes:
            yield entry["url_prefix"], route


def test_every_mounted_route_requires_auth() -> None:
    checked, unguarded = [], []
    for prefix, route in mounted_routes():
        if isinstance(route, Mount):
            unguarded.append(f"{prefix}{route.path} (a mount cannot carry an auth dependency)")
            continue
        assert isinstance(route, Route)
        if not isinstance(route, APIRoute):
            unguarded.append(f"{prefix}{route.path} (plain route without dependencies)")
            continue
        guards = [call for call in _dependency_calls(route.dependant) if hasattr(call, AUTH_MARKER)]
        checked.append(route.path)
        if not guards:
            unguarded.append(f"{sorted(route.methods)} {prefix}{route.path}")
    assert not unguarded, f"routes without an auth dependency: {unguarded}"
    # The walk must actually see our routes (an empty app would pass vacuously).
    assert {"/api/v1/me", "/api/v1/visualisations", "/openapi.json", "/static/{name}"} <= set(checked)


def test_plugin_mounts_only_outside_reserved_prefixes() -> None:
    from airflow.api_fastapi.app import RESERVED_URL_PREFIXES

    for entry in fastapi_apps():
        prefix = entry["url_prefix"]
        assert prefix != "/api" and not prefix.startswith("/api/v2")
        assert not any(prefix.startswith(reserved) for reserved in RESERVED_URL_PREFIXES)


def test_manual_compatible_apps_are_mounted_without_docs() -> None:
    apps = {entry["url_prefix"]: entry["app"] for entry in fastapi_apps()}
    assert "/api/dependencies" in apps
    for prefix, app in apps.items():
        if prefix.startswith("/api/"):
            assert app.docs_url is None and app.redoc_url is None and app.openapi_url is None
            assert {route.path for route in app.routes} == {"/"}
