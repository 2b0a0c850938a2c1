"""Record and query audit events (table `wfo_audit_event`).

A successful change is recorded in the request's own transaction, so the change and its event
commit together; a refused or failed one is recorded in a separate transaction, since the request's
is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfo.db.models import AuditEvent

Outcome = Literal["success", "failure", "denied"]
MAX_PAGE = 500


@dataclass(frozen=True)
class Actor:
    """Who did it and from where: the authenticated user name and the client's address."""

    username: str
    source_ip: str | None


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None = None,
    outcome: Outcome = "success",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        created_at=datetime.now(UTC),
        username=actor.username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        source_ip=actor.source_ip,
        details=details or None,
    )
    session.add(event)
    session.flush()
    return event


def record_separately(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | None,
    outcome: Outcome,
    details: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own (the request's transaction is about to roll back)."""
    from airflow.utils.session import create_session

    with create_session(scoped=False) as session:
        record(session, actor, action, object_type, object_id, outcome, details)


@dataclass(frozen=True)
class EventQuery:
    user: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    offset: int = 0
    limit: int = 50


def list_events(session: Session, query: EventQuery) -> tuple[int, list[AuditEvent]]:
    """Events matching `query`, newest first, and the total count of matches."""
    conditions = []
    if query.user:
        conditions.append(AuditEvent.username == query.user)
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.since:
        conditions.append(AuditEvent.created_at >= query.since)
    if query.until:
        conditions.append(AuditEvent.created_at <= query.until)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset(max(query.offset, 0))
        .limit(min(max(query.limit, 1), MAX_PAGE))
    ).all()
    return total, list(rows)


def list_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all())
