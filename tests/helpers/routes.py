"""The routes of every app our plugin mounts, and the auth markers on them, read in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from wfo.plugin.deps import AUTH_MARKER
from wfo.plugin.plugin import fastapi_apps


def dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from dependency_calls(sub)


def mounted_routes() -> Iterator[tuple[str, Any]]:
    """(url prefix, route) of every app the plugin gives Airflow's api-server."""
    for entry in fastapi_apps():
        app: FastAPI = entry["app"]
        for route in app.routes:
            yield entry["url_prefix"], route


def auth_markers(route: APIRoute) -> list[tuple[str, str]]:
    """The (resource, action) of every auth dependency of `route` (`("*", "authenticated")`: any login)."""
    calls = dependency_calls(route.dependant)
    return [getattr(call, AUTH_MARKER) for call in calls if hasattr(call, AUTH_MARKER)]
