"""`/audit`: the audit log of changes made through wfo, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException, Query

from wfo.audit.service import (
    MAX_ACTION,
    MAX_OFFSET,
    MAX_PAGE,
    MAX_USERNAME,
    EventQuery,
    list_actions,
    list_events,
)
from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.schemas import AuditActions, AuditEventPage, AuditEventPublic

router = APIRouter(prefix="/audit", tags=["audit"])
CanRead = Annotated[CurrentUser, Depends(require(roles.AUDIT_LOG, roles.CAN_READ))]


@router.get("/events", response_model=AuditEventPage)
def read_events(
    session: SessionDep,
    _: CanRead,
    user: Annotated[str | None, Query(max_length=MAX_USERNAME)] = None,
    action: Annotated[
        str | None,
        Query(max_length=MAX_ACTION, description="an action, or `<area>.*` for all of an area (`session.*`)"),
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AuditEventPage:
    # A time without a zone is UTC (comparing it with one that has a zone would fail).
    since, until = (t.replace(tzinfo=UTC) if t and t.tzinfo is None else t for t in (since, until))
    if since and until and since > until:
        raise HTTPException(422, detail="`since` is after `until`")
    total, rows = list_events(session, EventQuery(user, action, since, until, offset, limit))
    return AuditEventPage(
        total=total,
        events=[
            AuditEventPublic(
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
            for row in rows
        ],
    )


@router.get("/actions", response_model=AuditActions)
def read_actions(session: SessionDep, _: CanRead) -> AuditActions:
    return AuditActions(actions=list_actions(session))
