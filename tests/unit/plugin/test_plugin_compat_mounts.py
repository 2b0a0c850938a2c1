"""The bare-prefix middleware of the manual-compatible mounts, on real ASGI scopes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from wfo.plugin.compat import MOUNTS, BarePrefixMiddleware, root_middlewares


def _seen_path(path: str, root_path: str = "") -> tuple[str, bytes]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    middleware = BarePrefixMiddleware(app, prefixes=("/api/dependencies", "/api/configs/"))
    scope = {"type": "http", "path": path, "raw_path": path.encode(), "root_path": root_path}
    # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, middleware(scope, None, None)).result()
    return seen["path"], seen["raw_path"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/dependencies", "/api/dependencies/"),
        ("/api/configs", "/api/configs/"),
        ("/api/dependencies/", "/api/dependencies/"),
        ("/api/dependenciesX", "/api/dependenciesX"),
        ("/api/dependencies/x", "/api/dependencies/x"),
        ("/api", "/api"),
        ("/api/v2/dags", "/api/v2/dags"),
    ],
)
def test_only_the_bare_prefixes_get_a_slash(path: str, expected: str) -> None:
    assert _seen_path(path) == (expected, expected.encode())


def test_behind_a_root_path() -> None:
    assert _seen_path("/airflow/api/dependencies", root_path="/airflow")[0] == "/airflow/api/dependencies/"


def test_plugin_entry_names_every_mount() -> None:
    (entry,) = root_middlewares()
    assert entry["middleware"] is BarePrefixMiddleware
    assert entry["kwargs"]["prefixes"] == tuple(m.prefix for m in MOUNTS)
    assert all(m.prefix.startswith("/api/") and m.prefix != "/api" for m in MOUNTS)
