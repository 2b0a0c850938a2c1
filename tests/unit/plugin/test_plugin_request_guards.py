"""Client address behind proxies and the CSRF guard, on real Starlette requests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from wfo.plugin import deps
from wfo.settings import Settings


def _request(peer: str, headers: dict[str, str], method: str = "GET") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw, "client": (peer, 5000)})


@pytest.fixture
def proxies(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path, trusted_proxies=("10.0.0.0/8",))
    monkeypatch.setattr(deps, "get_settings", lambda: settings)
    yield


def test_forwarded_for_is_ignored_from_an_untrusted_peer(proxies: None) -> None:
    assert deps.client_ip(_request("203.0.113.5", {"X-Forwarded-For": "198.51.100.1"})) == "203.0.113.5"


def test_forwarded_for_is_read_right_to_left_through_trusted_proxies(proxies: None) -> None:
    # The client put a fake first hop in; the proxy appended the real address.
    req = _request("10.1.2.3", {"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.9.9.9"})
    assert deps.client_ip(req) == "198.51.100.7"


def test_all_trusted_hops_fall_back_to_the_peer(proxies: None) -> None:
    assert deps.client_ip(_request("10.1.2.3", {"X-Forwarded-For": "10.0.0.7"})) == "10.1.2.3"


def test_without_trusted_proxies_the_peer_is_the_client(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(deps, "get_settings", lambda: Settings(home=tmp_path))
    assert deps.client_ip(_request("127.0.0.1", {"X-Forwarded-For": "8.8.8.8"})) == "127.0.0.1"


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Origin": "http://localhost:8080"}, True),
        ({"Origin": "HTTP://LOCALHOST:8080"}, True),
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({"Origin": "http://localhost:8081"}, False),
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, False),
        ({"Origin": "null"}, False),
        ({}, False),
    ],
)
def test_same_origin_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path, headers: dict[str, str], allowed: bool
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(deps, "get_settings", lambda: Settings(home=tmp_path))
    request = _request("127.0.0.1", headers, method="PUT")
    if allowed:
        deps.check_same_origin(request)
    else:
        with pytest.raises(HTTPException) as info:
            deps.check_same_origin(request)
        assert info.value.status_code == 403


def test_a_refused_write_waits_for_the_audit_lock_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The CI failure of stop 22: a refused write recorded its `denied` event on the event loop. When
    another request held SQLite's write lock until its commit, which the loop runs, the two waited on
    each other until the busy timeout: 30 s, then a 500. Here the holder commits from a loop callback."""
    import asyncio
    import sqlite3

    import httpx
    from fastapi import Depends, FastAPI

    from wfo.audit.service import Actor

    db = tmp_path / "audit.db"
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE denied (who TEXT, action TEXT)")

    def record_separately(actor: Actor, action: str, *_: object) -> None:
        with sqlite3.connect(db, timeout=3) as writer:  # commits on leaving
            writer.execute("INSERT INTO denied VALUES (?, ?)", (actor.username, action))
        writer.close()

    monkeypatch.setattr(deps, "record_separately", record_separately)
    monkeypatch.setattr(deps, "is_allowed", lambda *_: False)
    monkeypatch.setattr(deps, "username_of", lambda _: "mallory")
    app = FastAPI()
    app.dependency_overrides[deps.get_user] = lambda: object()

    @app.post("/things", dependencies=[Depends(deps.require("Things", "can_edit"))])
    def change() -> None:
        raise AssertionError("a refused caller never reaches the route")

    async def refused_while_locked() -> int:
        holder.execute("BEGIN IMMEDIATE")  # another writer's open transaction
        asyncio.get_running_loop().call_later(0.3, holder.execute, "COMMIT")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://wfo") as client:
            answer = await client.post("/things", headers={"Authorization": "Bearer t"})
        return answer.status_code

    assert asyncio.run(refused_while_locked()) == 403
    assert holder.execute("SELECT who, action FROM denied").fetchall() == [("mallory", "POST /things")]
    holder.close()


BLOCKING_WRITES = {"record_separately", "_audit_refusal", "create_session", "commit", "flush"}


def _direct_calls(function: ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    """Calls in the coroutine's own body (not in functions defined inside it)."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def test_no_coroutine_writes_to_the_database_on_the_event_loop() -> None:
    """The rule behind the test above, for every coroutine of ours: a DB write goes through
    `run_in_threadpool`/`asyncio.to_thread` (passed as an argument there, so not a direct call)."""
    source = Path(deps.__file__).parents[1]
    offenders = []
    for path in sorted(source.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            for call in _direct_calls(node):
                name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
                if name in BLOCKING_WRITES:
                    offenders.append(f"{path.relative_to(source)}:{call.lineno} {node.name}() calls {name}")
    assert offenders == []
