"""`/audit`: the audit log of changes made through wfo, filtered and paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query

from wfo.audit.schemas import AuditActions, AuditEventPage
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

router = APIRouter(prefix="/audit", tags=["audit"])
CanRead = Annotated[CurrentUser, Depends(require(roles.AUDIT_LOG, roles.CAN_READ))]


@router.get("/events")
def read_events(
    session: SessionDep,
    _: CanRead,
    user: Annotated[str | None, Query(max_length=MAX_USERNAME)] = None,
    action: Annotated[
        str | None,
        Query(max_length=MAX_ACTION, description="an action, or `<area>.*` for all of an area (`session.*`)"),
    ] = None,
    since: Annotated[datetime | None, Query(description="a time without a zone is UTC")] = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AuditEventPage:
    """Events newest first; 422 when `since` is after `until`."""
    return list_events(session, EventQuery(user, action, since, until, offset, limit))


@router.get("/actions")
def read_actions(session: SessionDep, _: CanRead) -> AuditActions:
    return list_actions(session)
