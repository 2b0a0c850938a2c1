"""The guard of wfo-managed connections: which requests it looks at and which connections a body names.

Who may write is checked through the real auth manager on the session platform
(tests/integration/security/test_security_published_connections.py); here, the parts without a user.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from wfo.plugin.guards.connections import (
    PublishedConnectionsGuard,
    is_protected,
    protected_ids,
    published_types,
    route_ids,
)


def test_only_airflows_connections_routes_are_guarded() -> None:
    assert route_ids("/api/v2/connections") == []
    assert route_ids("/api/v2/connections/wfo_config_group_default") == ["wfo_config_group_default"]
    assert route_ids("/api/v2/connections//wfo_config_groups/") == ["wfo_config_groups"]
    assert route_ids("/api/v2/connections/test") == ["test"]
    others = ("/api/v2/connectionsx", "/api/v2/variables/wfo_config_group_x", "/wfo/api/v1/config-groups")
    for other in others:
        assert route_ids(other) is None


@pytest.mark.parametrize(
    "conn_id",
    [
        "wfo_config_group_default",
        "wfo_config_groups",
        "wfo_config_group",
        "WFO_Config_Group_x",
        " wfo_config_group_y",
    ],
)
def test_published_groups_and_their_index_are_protected(conn_id: str) -> None:
    assert is_protected(conn_id, "")


def test_the_object_store_connection_is_protected_only_when_configured() -> None:
    assert is_protected("s3_store", "s3_store") and is_protected("S3_STORE", "s3_store")
    assert not is_protected("s3_store", "") and not is_protected("my_postgres", "s3_store")


def test_every_shape_of_a_bulk_body_is_inspected() -> None:
    body = {
        "actions": [
            {"action": "create", "entities": [{"connection_id": "mine", "conn_type": "http"}]},
            {"action": "update", "entities": [{"connection_id": "wfo_config_group_default", "extra": "{}"}]},
            {"action": "delete", "entities": ["wfo_config_groups", {"connection_id": "s3_store"}]},
        ]
    }
    named = protected_ids([], body, "s3_store")
    assert named == ["s3_store", "wfo_config_group_default", "wfo_config_groups"]
    assert protected_ids([], {"actions": [{"action": "delete", "entities": ["mine"]}]}, "s3_store") == []


def test_the_path_and_deeply_nested_bodies_count() -> None:
    assert protected_ids(["wfo_config_group_prod"], None, "") == ["wfo_config_group_prod"]
    deep: Any = "wfo_config_group_x"
    for _ in range(5000):  # deeper than Python's recursion limit
        deep = [deep]
    assert protected_ids([], deep, "") == ["wfo_config_group_x"]


def test_the_connection_the_caller_meant_comes_first() -> None:
    body = {"connection_id": "wfo_config_group_default", "conn_type": "wfo_config_group"}
    assert protected_ids(["wfo_config_group_default"], body, "")[0] == "wfo_config_group_default"
    bulk = {"actions": [{"action": "delete", "entities": ["wfo_config_groups"]}], "x": "wfo_config_group"}
    assert protected_ids([], bulk, "") == ["wfo_config_groups", "wfo_config_group"]


@pytest.mark.parametrize(
    "conn_type", ["wfo-config-group", "wfo_config_group", "WFO-Config-Group", "wfo-config_group"]
)
def test_a_connection_of_wfos_type_is_named_under_any_id_and_in_either_spelling(conn_type: str) -> None:
    # The type wfo publishes under now and the one it used before (Airflow reads "-" in a URI scheme
    # as "_"): a caller who may not write wfo's connections may not make one under another id either.
    body = {"connection_id": "op_lookalike", "conn_type": conn_type, "extra": "{}"}
    assert published_types(body) == [conn_type]
    assert protected_ids(["op_lookalike"], body, "") == []  # a type, not an id: named by its own rule
    bulk = {
        "actions": [{"action": "create", "entities": [{"connection_id": "a", "conn_type": "http"}, body]}]
    }
    assert published_types(bulk) == [conn_type]


def test_other_connection_types_are_not_wfos() -> None:
    for conn_type in ("http", "spark", "wfo", "wfo-config-groups", "generic"):
        assert published_types({"connection_id": "mine", "conn_type": conn_type}) == []


def test_an_ordinary_connection_mentioning_a_group_in_its_extra_is_not_refused() -> None:
    body = {"connection_id": "reporting_db", "extra": json.dumps({"note": "like wfo_config_group_default"})}
    assert protected_ids(["reporting_db"], body, "") == []


def _run(
    guard: PublishedConnectionsGuard, scope: dict[str, Any], body: bytes
) -> tuple[list[dict[str, Any]], int]:
    sent: list[dict[str, Any]] = []
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    return sent, reads


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": headers or []}


def test_an_anonymous_write_is_refused_before_its_body_is_read() -> None:
    reached: list[str] = []

    async def airflow(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    guard = PublishedConnectionsGuard(airflow)
    body = json.dumps({"connection_id": "wfo_config_group_default"}).encode()
    sent, reads = _run(guard, _scope("PATCH", "/api/v2/connections/wfo_config_group_default"), body)
    assert sent[0]["status"] == 401 and reads == 0 and reached == []

    # Reads and other routes go straight to Airflow, body untouched.
    passed = (_scope("GET", "/api/v2/connections/wfo_config_group_default"), _scope("POST", "/api/v2/pools"))
    for scope in passed:
        sent, reads = _run(guard, scope, body)
        assert sent == [] and reads == 0
    assert reached == ["/api/v2/connections/wfo_config_group_default", "/api/v2/pools"]
