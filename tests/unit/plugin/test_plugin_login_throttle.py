"""Login throttling on a real (SQLite) table: per user, per address, windows, reset by success."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfo.audit import logins
from wfo.audit.logins import ThrottlePolicy
from wfo.db.models import AuditEvent, LoginFailure

POLICY = ThrottlePolicy(per_user=3, per_ip=5, window=timedelta(minutes=5))
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _fail(session: Session, user: str | None, ip: str | None, at: datetime) -> None:
    logins.record_failure(session, POLICY, user, ip, now=at)


def test_a_user_is_throttled_after_the_limit_whatever_the_case_and_address(session: Session) -> None:
    _fail(session, "Alice", "192.0.2.1", T0)
    _fail(session, "alice", "192.0.2.2", T0 + timedelta(seconds=10))
    assert logins.check(session, POLICY, "ALICE ", "192.0.2.3", now=T0 + timedelta(seconds=20)).allowed
    _fail(session, "alice", "192.0.2.3", T0 + timedelta(seconds=20))
    verdict = logins.check(session, POLICY, "alice", "198.51.100.7", now=T0 + timedelta(seconds=30))
    assert not verdict.allowed and verdict.counter == "user"
    # The first failure leaves the window at T0 + 5 min: 270 s after T0 + 30 s.
    assert 270 <= verdict.retry_after <= 271
    assert "this user name" in verdict.message and "not checked" in verdict.message
    assert logins.check(session, POLICY, "bob", "198.51.100.7", now=T0 + timedelta(seconds=30)).allowed
    assert logins.check(session, POLICY, "alice", None, now=T0 + timedelta(minutes=5, seconds=1)).allowed


def test_an_address_is_throttled_across_user_names(session: Session) -> None:
    for i in range(5):
        _fail(session, f"user{i}", "203.0.113.5", T0 + timedelta(seconds=i))
    verdict = logins.check(session, POLICY, "someone-else", "203.0.113.5", now=T0 + timedelta(seconds=5))
    assert not verdict.allowed and verdict.counter == "ip" and "your address" in verdict.message
    assert logins.check(session, POLICY, "someone-else", "203.0.113.6", now=T0 + timedelta(seconds=5)).allowed


def test_success_resets_the_user_but_not_the_address(session: Session) -> None:
    for i in range(3):
        _fail(session, "carol", "203.0.113.5", T0 + timedelta(seconds=i))
    assert not logins.check(session, POLICY, "carol", None, now=T0 + timedelta(seconds=5)).allowed
    logins.record_success(session, "Carol")
    assert logins.check(session, POLICY, "carol", None, now=T0 + timedelta(seconds=6)).allowed
    # An attacker logging in to their own account does not clear what their address did.
    for i in range(2):
        _fail(session, "dave", "203.0.113.5", T0 + timedelta(seconds=10 + i))
    logins.record_success(session, "mallory")
    assert not logins.check(session, POLICY, "mallory", "203.0.113.5", now=T0 + timedelta(seconds=20)).allowed


def test_old_failures_are_swept_and_long_names_are_cut(session: Session) -> None:
    _fail(session, "old", "192.0.2.1", T0)
    _fail(session, "x" * 10_000, "192.0.2.1", T0 + timedelta(minutes=6))
    keys = session.scalars(select(LoginFailure.key).where(LoginFailure.kind == "user")).all()
    assert keys == ["x" * logins.MAX_NAME_CHARS]


def test_login_events_hold_the_typed_name_bounded_and_never_the_password(session: Session) -> None:
    logins.record_login(session, "eve\x00\n" + "e" * 500, "192.0.2.1", "failure", "token", "invalid credentials")
    logins.record_login(session, None, "192.0.2.1", "denied", "login-form", "throttled (ip)")
    logins.record_logout(session, "alice", "192.0.2.9")
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(r.action, r.outcome) for r in rows] == [
        ("session.login", "failure"),
        ("session.login", "denied"),
        ("session.logout", "success"),
    ]
    assert rows[0].username.startswith("eve??") and len(rows[0].username) <= logins.MAX_NAME_CHARS
    assert rows[0].details == {"via": "token", "reason": "invalid credentials"}
    assert rows[1].username == "(none)" and rows[2].object_id == "alice"
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
