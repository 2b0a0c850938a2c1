"""`/sla-misses`: task SLA misses recorded by the sla-monitor (read by roles that read DAGs, each user
seeing only the DAGs Airflow lets them read; notes written by roles that may edit them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query

from wfo.auth import roles
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, RowId, require
from wfo.plugin.errors import errors
from wfo.sla import service
from wfo.sla.schemas import SlaMissFilter, SlaMissList, SlaMissNote, SlaMissPublic

router = APIRouter(prefix="/sla-misses", tags=["SLA misses"])

CanRead = Annotated[CurrentUser, Depends(require(roles.SLA_MISSES, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.SLA_MISSES, roles.CAN_EDIT))]
Id = Annotated[str | None, Query(max_length=250)]


@router.get("", responses=errors(400))
def list_misses(
    session: SessionDep,
    current: CanRead,
    dag_id: Id = None,
    task_id: Id = None,
    since: Annotated[dt.datetime | None, Query(description="detected at or after (ISO 8601)")] = None,
    until: Annotated[dt.datetime | None, Query(description="detected at or before (ISO 8601)")] = None,
    notified: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> SlaMissList:
    wanted = SlaMissFilter(
        dag_id=dag_id, task_id=task_id, since=since, until=until, notified=notified, limit=limit
    )
    access = service.DagReadAccess.of_user(current.user)
    return SlaMissList(misses=service.list_misses(session, access, wanted))


@router.patch("/{miss_id}", responses=errors(404))
def update_note(
    miss_id: RowId,
    body: SlaMissNote,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("sla_miss.note.update", object_param="miss_id")],
) -> SlaMissPublic:
    access = service.DagReadAccess.of_user(current.user)
    miss, before = service.set_note(session, access, miss_id, body.note, current.username)
    audit.object_id = f"{miss.dag_id}.{miss.task_id} {miss.run_id}"[:500]
    audit.details = {"id": miss_id, "before": before, "after": miss.note}
    return miss
