"""The models the audit service returns; the API uses them as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventPublic(BaseModel):
    id: int
    time: datetime
    user: str
    action: str
    object_type: str
    object_id: str | None
    outcome: str
    source_ip: str | None
    details: dict[str, Any] | None


class AuditEventPage(BaseModel):
    total: int
    events: list[AuditEventPublic]


class AuditActions(BaseModel):
    actions: list[str]
