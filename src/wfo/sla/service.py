"""Listing and annotating SLA misses for one user: Airflow's per-DAG access decides what they see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.db.models import SlaMiss
from wfo.sla.errors import BadSlaFilter, SlaMissNotFound
from wfo.sla.schemas import SlaMissFilter, SlaMissPublic


class DagReadAccess:
    """Which DAGs' task instances a user may read, asked of Airflow's auth manager once per DAG id."""

    def __init__(self, may_read: Callable[[str], bool]) -> None:
        self._may_read = may_read
        self._decided: dict[str, bool] = {}

    @classmethod
    def of_user(cls, user: Any) -> DagReadAccess:
        from airflow.api_fastapi.app import get_auth_manager
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

        manager: Any = get_auth_manager()

        def may_read(dag_id: str) -> bool:
            return bool(
                manager.is_authorized_dag(
                    method="GET",
                    access_entity=DagAccessEntity.TASK_INSTANCE,
                    details=DagDetails(id=dag_id),
                    user=user,
                )
            )

        return cls(may_read)

    def may_read(self, dag_id: str) -> bool:
        if dag_id not in self._decided:
            self._decided[dag_id] = self._may_read(dag_id)
        return self._decided[dag_id]


def grid_url(miss: SlaMiss) -> str:
    """Airflow 3's grid view of the task instance (of the run, for a DAG deadline)."""
    path = f"/dags/{quote(miss.dag_id, safe='')}/runs/{quote(miss.run_id, safe='')}"
    return path + (f"/tasks/{quote(miss.task_id, safe='')}" if miss.task_id else "")


def public(miss: SlaMiss) -> SlaMissPublic:
    return SlaMissPublic.model_validate(
        {**{c.key: getattr(miss, c.key) for c in SlaMiss.__table__.columns}, "grid_url": grid_url(miss)}
    )


def list_misses(session: Session, access: DagReadAccess, wanted: SlaMissFilter) -> list[SlaMissPublic]:
    """The misses the filter selects among the DAGs the user may read, newest first."""
    if wanted.since and wanted.until and wanted.until < wanted.since:
        raise BadSlaFilter("the time range ends before it starts ('until' is before 'since')")
    # The DAGs with misses are few (those with SLAs): ask the auth manager about each once, then let the
    # database filter, page and sort.
    with_misses = session.scalars(select(SlaMiss.dag_id).distinct()).all()
    readable = [dag_id for dag_id in with_misses if access.may_read(dag_id)]
    query = (
        select(SlaMiss)
        .where(SlaMiss.dag_id.in_(readable))
        .order_by(SlaMiss.detected_at.desc(), SlaMiss.id.desc())
        .limit(wanted.limit)
    )
    if wanted.dag_id:
        query = query.where(SlaMiss.dag_id == wanted.dag_id)
    if wanted.task_id:
        query = query.where(SlaMiss.task_id == wanted.task_id)
    if wanted.since:
        query = query.where(SlaMiss.detected_at >= wanted.since)
    if wanted.until:
        query = query.where(SlaMiss.detected_at <= wanted.until)
    if wanted.notified is not None:
        query = query.where(SlaMiss.notified.is_(wanted.notified))
    return [public(miss) for miss in session.scalars(query)]


def get_miss(session: Session, access: DagReadAccess, miss_id: int) -> SlaMiss:
    miss = session.get(SlaMiss, miss_id)
    if miss is None or not access.may_read(miss.dag_id):
        raise SlaMissNotFound.of(miss_id)
    return miss


def set_note(
    session: Session, access: DagReadAccess, miss_id: int, note: str, username: str
) -> tuple[SlaMissPublic, str | None]:
    """Write (or clear, when blank) the note of a miss; returns the miss and the note it replaced."""
    miss = get_miss(session, access, miss_id)
    before = miss.note
    miss.note = note.strip() or None
    miss.note_updated_by = username
    miss.note_updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    return public(miss), before
