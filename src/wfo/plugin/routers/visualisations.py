"""`/visualisations`: the BI dashboard link (read by every role with access, set by Admins)."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException

from wfo import visualisations
from wfo.audit.service import record, record_separately
from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.schemas import VisualisationsPublic, VisualisationsUpdate

router = APIRouter(prefix="/visualisations", tags=["visualisations"])
ACTION = "visualisations.update"


def _public(link: visualisations.DashboardLink) -> VisualisationsPublic:
    return VisualisationsPublic(url=link.url, updated_by=link.updated_by, updated_at=link.updated_at)


@router.get("", response_model=VisualisationsPublic)
def read_link(
    session: SessionDep, _: Annotated[CurrentUser, Depends(require(roles.VISUALISATIONS, roles.CAN_READ))]
) -> VisualisationsPublic:
    return _public(visualisations.get_link(session))


@router.put("", response_model=VisualisationsPublic)
def update_link(
    body: VisualisationsUpdate,
    session: SessionDep,
    current: Annotated[CurrentUser, Depends(require(roles.VISUALISATIONS, roles.CAN_EDIT))],
) -> VisualisationsPublic:
    before = visualisations.get_link(session).url
    try:
        link = visualisations.set_link(session, body.url, current.username)
    except visualisations.InvalidDashboardUrl as exc:
        record_separately(current.actor, ACTION, "dashboard", None, "failure", {"error": str(exc)})
        raise HTTPException(422, detail=str(exc)) from None
    record(
        session,
        current.actor,
        ACTION,
        "dashboard",
        link.url,
        "success",
        {"before": before, "after": link.url},
    )
    return _public(link)
