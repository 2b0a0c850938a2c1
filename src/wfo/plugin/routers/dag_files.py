"""Routes of the DAGs folder (list, read, validate, save with review, history) and `/api/dags/`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/dag-files", tags=["DAG files"])
compat_router = APIRouter()
