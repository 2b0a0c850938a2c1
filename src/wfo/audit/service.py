"""Record and query audit events (table `wfo_audit_event`).

A successful change is recorded in the request's own transaction, so the change and its event
commit together; a refused or failed one is recorded in a separate transaction, since the request's
is rolled back. Every stored field is bounded here: callers pass user input (a user name typed at
login, a file name), and no caller may write arbitrary amounts of text into the log.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfo.audit.schemas import AuditActions, AuditEventPage, AuditEventPublic
from wfo.db.models import AuditEvent
from wfo.errors import InvalidInput

Outcome = Literal["success", "failure", "denied"]
MAX_PAGE = 500
# Paging further than this is a mistake or an attack (and a 25-digit offset overflows SQL integers).
MAX_OFFSET = 1_000_000_000
# Column sizes of wfo_audit_event (characters) and the largest `details` kept, as UTF-8 JSON.
MAX_USERNAME = 256
MAX_ACTION = 128
MAX_OBJECT_TYPE = 128
MAX_OBJECT_ID = 512
MAX_SOURCE_IP = 64
MAX_DETAILS_BYTES = 16 * 1024
# An action filter ending in this matches every action of an area, e.g. `session.*`.
AREA_WILDCARD = ".*"


def bounded(text: str, limit: int) -> str:
    """`text` made storable: control characters and lone surrogates replaced, at most `limit` characters."""
    clean = text.encode("utf-8", "replace").decode("utf-8")
    clean = "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in clean)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def bounded_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """`details` as JSON-safe data of at most MAX_DETAILS_BYTES; a bigger payload keeps a preview."""
    if not details:
        return None
    text = json.dumps(details, ensure_ascii=False, default=str).encode("utf-8", "replace")
    if len(text) <= MAX_DETAILS_BYTES:
        result: dict[str, Any] = json.loads(text)
        return result
    preview = text[: MAX_DETAILS_BYTES // 2].decode("utf-8", "ignore")
    return {"truncated": True, "size": len(text), "preview": preview}


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
        username=bounded(actor.username, MAX_USERNAME),
        action=bounded(action, MAX_ACTION),
        object_type=bounded(object_type, MAX_OBJECT_TYPE),
        object_id=None if object_id is None else bounded(object_id, MAX_OBJECT_ID),
        outcome=outcome if outcome in ("success", "failure", "denied") else "failure",
        source_ip=None if actor.source_ip is None else bounded(actor.source_ip, MAX_SOURCE_IP),
        details=bounded_details(details),
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


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is UTC (comparing it with one that has a zone would fail).
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def list_events(session: Session, query: EventQuery) -> AuditEventPage:
    """One page of the events matching `query`, newest first, and the total count of matches."""
    since, until = _utc(query.since), _utc(query.until)
    if since and until and since > until:
        raise InvalidInput("`since` is after `until`")
    conditions = []
    if query.user:
        conditions.append(AuditEvent.username == query.user)
    if query.action and query.action.endswith(AREA_WILDCARD):
        area = query.action.removesuffix("*")
        conditions.append(func.substr(AuditEvent.action, 1, len(area)) == area)
    elif query.action:
        conditions.append(AuditEvent.action == query.action)
    if since:
        conditions.append(AuditEvent.created_at >= since)
    if until:
        conditions.append(AuditEvent.created_at <= until)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset(min(max(query.offset, 0), MAX_OFFSET))
        .limit(min(max(query.limit, 1), MAX_PAGE))
    ).all()
    return AuditEventPage(total=total, events=[_public(row) for row in rows])


def _public(row: AuditEvent) -> AuditEventPublic:
    return AuditEventPublic(
        id=row.id,
        time=row.created_at,
        user=row.username,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        outcome=row.outcome,
        source_ip=row.source_ip,
        details=row.details,
    )


def list_actions(session: Session) -> AuditActions:
    """Every action recorded so far (for the log's filter)."""
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return AuditActions(actions=list(actions))
