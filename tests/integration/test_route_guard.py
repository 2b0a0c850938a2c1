"""Every route of every app we mount requires authentication (DESIGN §5), checked by walking them."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from wfo.plugin.plugin import fastapi_apps

from helpers.routes import auth_markers, mounted_routes

pytestmark = pytest.mark.integration


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
        guards = auth_markers(route)
        checked.append(route.path)
        if not guards:
            unguarded.append(f"{sorted(route.methods)} {prefix}{route.path}")
    assert not unguarded, f"routes without an auth dependency: {unguarded}"
    # The walk must actually see our routes (an empty app would pass vacuously).
    assert {"/api/v1/me", "/api/v1/visualisations", "/openapi.json", "/static/{name}"} <= set(checked)
    assert {"/api/v1/eda/runs", "/api/v1/eda/runs/{run_id}", "/api/v1/eda/runs/{run_id}/report"} <= set(checked)


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
