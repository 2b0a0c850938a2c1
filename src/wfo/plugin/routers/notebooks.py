"""`/notebooks`: the hub login (single sign-on ticket) and the Notebooks page (Developer/Admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from wfo.auth import roles
from wfo.hub import service
from wfo.hub.schemas import NotebookLogin
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.errors import errors
from wfo.settings import get_settings

router = APIRouter(prefix="/notebooks", tags=["Notebooks"])

CanRead = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_READ))]


@router.post("/login", responses=errors(503))
def login(current: CanRead, audit: Annotated[AuditRecord, audited("notebook_ticket.issue")]) -> NotebookLogin:
    """A link that logs the current user in to JupyterHub (valid 60 s, once); the hub audits the login."""
    audit.object_id = current.username
    return service.login(get_settings(), current.username)
