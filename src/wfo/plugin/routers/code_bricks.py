"""`/code-bricks`: the DAG editor's snippet library (read by every role with access, written by Developers
and Admins)."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException, Query, Response

from wfo.audit.service import record, record_separately
from wfo.auth import roles
from wfo.dagfiles import bricks
from wfo.db.models import CodeBrick
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.schemas import CodeBrickInput, CodeBrickList, CodeBrickPublic

router = APIRouter(prefix="/code-bricks", tags=["Code bricks"])
OBJECT = "code_brick"


def _public(brick: CodeBrick) -> CodeBrickPublic:
    return CodeBrickPublic(
        id=brick.id,
        title=brick.title,
        description=brick.description or "",
        code=brick.code,
        tags=bricks.tag_list(brick),
        shipped=bool(brick.shipped),
        updated_at=brick.updated_at,
        updated_by=brick.updated_by,
    )


def _input(body: CodeBrickInput) -> bricks.BrickInput:
    return bricks.BrickInput(body.title, body.description, body.code, body.tags)


def _refuse(
    current: CurrentUser, action: str, object_id: str | None, exc: bricks.BrickError
) -> HTTPException:
    record_separately(current.actor, action, OBJECT, object_id, "failure", {"error": str(exc)})
    status = (
        404
        if isinstance(exc, bricks.BrickNotFound)
        else 409
        if isinstance(exc, bricks.BrickConflict)
        else 422
    )
    return HTTPException(status, detail=str(exc))


@router.get("", response_model=CodeBrickList)
def list_bricks(
    session: SessionDep,
    _: Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_READ))],
    q: Annotated[
        str | None, Query(max_length=200, description="words to find in title, description, tags")
    ] = None,
) -> CodeBrickList:
    return CodeBrickList(bricks=[_public(b) for b in bricks.list_bricks(session, q)])


@router.post("", response_model=CodeBrickPublic, status_code=201)
def create_brick(
    body: CodeBrickInput,
    session: SessionDep,
    current: Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_CREATE))],
) -> CodeBrickPublic:
    action = "code_bricks.create"
    try:
        brick = bricks.create_brick(session, _input(body), current.username)
    except bricks.BrickError as exc:
        raise _refuse(current, action, body.title[:200], exc) from None
    record(session, current.actor, action, OBJECT, brick.title, "success", {"id": brick.id})
    return _public(brick)


@router.put("/{brick_id}", response_model=CodeBrickPublic)
def update_brick(
    brick_id: int,
    body: CodeBrickInput,
    session: SessionDep,
    current: Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_EDIT))],
) -> CodeBrickPublic:
    action = "code_bricks.update"
    try:
        before = bricks.get_brick(session, brick_id).title
        brick = bricks.update_brick(session, brick_id, _input(body), current.username)
    except bricks.BrickError as exc:
        raise _refuse(current, action, str(brick_id), exc) from None
    record(session, current.actor, action, OBJECT, brick.title, "success", {"id": brick.id, "before": before})
    return _public(brick)


@router.delete("/{brick_id}", status_code=204)
def delete_brick(
    brick_id: int,
    session: SessionDep,
    current: Annotated[CurrentUser, Depends(require(roles.CODE_BRICKS, roles.CAN_DELETE))],
) -> Response:
    action = "code_bricks.delete"
    try:
        brick = bricks.delete_brick(session, brick_id)
    except bricks.BrickError as exc:
        raise _refuse(current, action, str(brick_id), exc) from None
    record(session, current.actor, action, OBJECT, brick.title, "success", {"id": brick_id})
    return Response(status_code=204)
