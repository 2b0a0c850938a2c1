"""`/code-bricks`: the DAG editor's snippet library (read by every role with access, written by Developers
and Admins)."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query, Response

from wfo.auth import roles
from wfo.dagfiles import bricks
from wfo.dagfiles.schemas import CodeBrickInput, CodeBrickList, CodeBrickPublic
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, RowId, require
from wfo.plugin.errors import errors

router = APIRouter(prefix="/code-bricks", tags=["Code bricks"])

CanRead = Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_CREATE))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_EDIT))]
CanDelete = Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_DELETE))]


@router.get("")
def list_bricks(
    session: SessionDep,
    _: CanRead,
    q: Annotated[
        str | None, Query(max_length=200, description="words to find in title, description, tags")
    ] = None,
) -> CodeBrickList:
    return CodeBrickList(bricks=bricks.list_bricks(session, q))


@router.post("", status_code=201, responses=errors(409))
def create_brick(
    body: CodeBrickInput,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("code_brick.create")],
) -> CodeBrickPublic:
    audit.object_id = body.title[:200]
    brick = bricks.create_brick(session, body, current.username)
    audit.object_id, audit.details = brick.title, {"id": brick.id}
    return brick


@router.put("/{brick_id}", responses=errors(404, 409))
def update_brick(
    brick_id: RowId,
    body: CodeBrickInput,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("code_brick.update", object_param="brick_id")],
) -> CodeBrickPublic:
    before = bricks.get_brick(session, brick_id).title
    brick = bricks.update_brick(session, brick_id, body, current.username)
    audit.object_id, audit.details = brick.title, {"id": brick.id, "before": before}
    return brick


@router.delete("/{brick_id}", status_code=204, responses=errors(404))
def delete_brick(
    brick_id: RowId,
    session: SessionDep,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("code_brick.delete", object_param="brick_id")],
) -> Response:
    brick = bricks.delete_brick(session, brick_id)
    audit.object_id, audit.details = brick.title, {"id": brick_id}
    return Response(status_code=204)
