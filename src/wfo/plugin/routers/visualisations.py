"""`/visualisations`: the BI dashboard link (read by every role with access, set by Admins)."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends

from wfo import visualisations
from wfo.auth import roles
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.visualisations import VisualisationsPublic, VisualisationsUpdate

router = APIRouter(prefix="/visualisations", tags=["visualisations"])

CanRead = Annotated[CurrentUser, Depends(require(roles.VISUALISATIONS, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.VISUALISATIONS, roles.CAN_EDIT))]


@router.get("")
def read_link(session: SessionDep, _: CanRead) -> VisualisationsPublic:
    return visualisations.get_link(session)


@router.put("")
def update_link(
    body: VisualisationsUpdate,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("visualisation.update")],
) -> VisualisationsPublic:
    """Set or clear the dashboard URL (422 with the reason for a URL a browser could not open)."""
    before = visualisations.get_link(session).url
    link = visualisations.set_link(session, body, current.username)
    audit.object_id, audit.details = link.url, {"before": before, "after": link.url}
    return link
