"""Client address behind proxies and the CSRF guard, on real Starlette requests."""

from __future__ import annotations

from collections.abc import Iterator

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
