"""Models of the SLA-misses API, shared by the service and the routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SlaMissPublic(BaseModel):
    """One recorded miss (the Contract's fields first)."""

    model_config = ConfigDict(from_attributes=True)

    dag_id: str
    task_id: str
    run_id: str
    sla_seconds: float
    expected_by: dt.datetime
    detected_at: dt.datetime
    notified: bool
    id: int
    kind: Literal["task", "deadline"] = Field(
        description="task: a task's sla=; deadline: a DAG deadline alert"
    )
    run_started_at: dt.datetime = Field(description="the DAG run's start_date: the SLA's reference point")
    state_at_detection: str | None = Field(description="the task instance's state when the miss was found")
    notification: str | None = Field(description="what was sent: e-mail recipients, the callback's outcome")
    note: str | None
    note_updated_by: str | None
    note_updated_at: dt.datetime | None
    grid_url: str = Field(description="the task instance in Airflow's grid (path under the UI's base URL)")


class SlaMissList(BaseModel):
    misses: list[SlaMissPublic]


class SlaMissNote(BaseModel):
    """The analysis of a miss ("analyzed and documented"); an empty note clears it."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=10_000)


class SlaMissFilter(BaseModel):
    """Filters of the list (all optional; combined with AND)."""

    dag_id: str | None = None
    task_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    notified: bool | None = None
    limit: int = 500
