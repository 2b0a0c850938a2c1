"""Reading logins: the user name from each kind of login body, and the outcome from Airflow's answer."""

from __future__ import annotations

import pytest

from wfo.plugin.guards.logins import login_result, submitted_username
from wfo.plugin.guards.secure_cookies import is_https, with_secure


@pytest.mark.parametrize(
    ("body", "via", "name"),
    [
        (b'{"username": "alice", "password": "pw"}', "token", "alice"),
        (b'{"username": 42, "password": "pw"}', "token", None),
        (b'["alice"]', "token", None),
        (b"not json", "token-cli", None),
        (b"[" * 100_000, "token", None),
        (b"csrf_token=t&username=b%C3%B6b&password=pw", "login-form", "böb"),
        (b"username=&password=pw", "login-form", None),
        (b"&".join([b"a=1"] * 100), "login-form", None),
    ],
)
def test_submitted_username(body: bytes, via: str, name: str | None) -> None:
    assert submitted_username(body, via) == name  # type: ignore[arg-type]


def test_token_route_outcomes() -> None:
    assert login_result("token", 201, []) == "success"
    assert login_result("token-cli", 401, []) == "failure"
    # 400 (no password sent) and 422 (no JSON) checked no password: nothing to count.
    assert login_result("token", 400, []) is None
    assert login_result("token", 422, []) is None


def test_login_form_outcomes() -> None:
    # As FAB answers (seen on a running instance): success sets the UI's token cookie.
    success = [(b"location", b"http://localhost:8080/"), (b"set-cookie", b"_token=eyJ; Path=/; HttpOnly")]
    failure = [
        (b"location", b"http://localhost:8080/auth/login/?next=http%3A%2F%2Flocalhost%3A8080%2F"),
        (b"set-cookie", b"session=abc; HttpOnly"),
    ]
    assert login_result("login-form", 302, success) == "success"
    assert login_result("login-form", 302, failure) == "failure"
    # The form shown again (no CSRF token) or FAB's own rate limit: no password was checked.
    assert login_result("login-form", 200, []) is None
    assert login_result("login-form", 429, []) is None
    cleared = [(b"location", b"/auth/login/"), (b"set-cookie", b'_token=""; expires=Thu, 01 Jan 1970')]
    assert login_result("login-form", 302, cleared) == "failure"


def test_secure_is_added_once() -> None:
    assert with_secure(b"_token=x; Path=/; HttpOnly") == b"_token=x; Path=/; HttpOnly; Secure"
    assert with_secure(b"session=x; Secure; HttpOnly") == b"session=x; Secure; HttpOnly"
    # A value that merely contains the word is not the attribute.
    assert with_secure(b"name=secure; Path=/").endswith(b"; Secure")


def _scope(peer: str, proto: str | None, scheme: str = "http") -> dict[str, object]:
    headers = [(b"x-forwarded-proto", proto.encode())] if proto else []
    return {"type": "http", "scheme": scheme, "client": (peer, 4000), "headers": headers}


def test_https_from_public_url_tls_or_a_trusted_proxy() -> None:
    proxies = ("10.0.0.0/8",)
    assert is_https(_scope("127.0.0.1", None), "https://wfo.example.com", ())
    assert is_https(_scope("127.0.0.1", None, scheme="https"), "", ())
    assert is_https(_scope("10.1.1.1", "https"), "", proxies)
    # Anyone can send the header: only a trusted proxy is believed, and only its own (last) value.
    assert not is_https(_scope("203.0.113.9", "https"), "", proxies)
    assert not is_https(_scope("10.1.1.1", "https, http"), "", proxies)
    assert not is_https(_scope("10.1.1.1", "http"), "http://localhost:8080", proxies)
