"""Routes of the code-brick library of the DAG editor."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/code-bricks", tags=["Code bricks"])
