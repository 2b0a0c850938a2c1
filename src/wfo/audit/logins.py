"""Logins: brute-force throttling per user name and per source address, and the login/logout events.

The counters are rows of `wfo_login_failure` in the metadata database, so every api-server worker and
process sees the same counts (the embedded default has no Redis). A failed login adds one row per
counter; a successful one clears its user's rows only, so logging in to an account of one's own does
not reset an address's count. Workers check and record without a lock: two racing attempts may both
pass at the limit, which bounds guessing just as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wfo.audit.service import Actor, Outcome, record
from wfo.db.models import LoginFailure

LOGIN = "session.login"
LOGOUT = "session.logout"
OBJECT_TYPE = "user"
# A user name longer than this is no user of ours; it is cut before it is counted or stored.
MAX_NAME_CHARS = 128
# How a login came in (stored in the event's details; a fixed set, never the client's path).
Via = Literal["token", "token-cli", "login-form", "logout"]


@dataclass(frozen=True)
class ThrottlePolicy:
    per_user: int
    per_ip: int
    window: timedelta


@dataclass(frozen=True)
class Verdict:
    """Whether a login attempt may be checked; if not, which counter is full and for how long."""

    allowed: bool
    retry_after: int = 0
    counter: Literal["user", "ip", ""] = ""

    @property
    def message(self) -> str:
        what = "this user name" if self.counter == "user" else "your address"
        return (
            f"too many failed logins for {what}: try again in {self.retry_after} s "
            "(the password was not checked)"
        )


def user_key(username: str) -> str:
    # FAB matches user names case-insensitively: "Admin" and "admin" share one counter.
    return username.strip().lower()[:MAX_NAME_CHARS]


def check(
    session: Session, policy: ThrottlePolicy, username: str | None, ip: str | None, now: datetime | None = None
) -> Verdict:
    """May an attempt for `username` from `ip` be checked now?"""
    now = now or datetime.now(UTC)
    cutoff = now - policy.window
    counters = (("ip", ip, policy.per_ip), ("user", user_key(username) if username else "", policy.per_user))
    for kind, key, limit in counters:
        if not key:
            continue
        recent = session.scalars(
            select(LoginFailure.created_at)
            .where(LoginFailure.kind == kind, LoginFailure.key == key, LoginFailure.created_at > cutoff)
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            # The count drops below the limit when the limit-th most recent failure leaves the window.
            oldest = _aware(recent[-1])
            wait = (oldest + policy.window - now).total_seconds()
            return Verdict(False, max(1, int(wait) + 1), kind)  # type: ignore[arg-type]
    return Verdict(True)


def record_failure(
    session: Session, policy: ThrottlePolicy, username: str | None, ip: str | None, now: datetime | None = None
) -> None:
    now = now or datetime.now(UTC)
    if username and user_key(username):
        session.add(LoginFailure(kind="user", key=user_key(username), created_at=now))
    if ip:
        session.add(LoginFailure(kind="ip", key=ip[:256], created_at=now))
    # Old rows are dead weight: whoever writes a failure sweeps what has left the window.
    session.execute(delete(LoginFailure).where(LoginFailure.created_at <= now - policy.window))
    session.flush()


def record_success(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.kind == "user", LoginFailure.key == user_key(username)))
    session.flush()


def record_login(
    session: Session,
    username: str | None,
    ip: str | None,
    outcome: Outcome,
    via: Via,
    reason: str | None = None,
) -> None:
    """The audit event of a login attempt; `username` is what was typed (never the password)."""
    name = (username or "").strip()[:MAX_NAME_CHARS] or "(none)"
    details: dict[str, Any] = {"via": via}
    if reason:
        details["reason"] = reason
    record(session, Actor(name, ip), LOGIN, OBJECT_TYPE, name, outcome, details)


def record_logout(session: Session, username: str, ip: str | None) -> None:
    record(session, Actor(username, ip), LOGOUT, OBJECT_TYPE, username, "success", {"via": "logout"})


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; ours are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
