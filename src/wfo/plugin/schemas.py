"""Request and response models of the wfo API (XCreate / XUpdate / XPublic families)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MePublic(BaseModel):
    username: str
    roles: list[str]
    permissions: dict[str, list[str]] = Field(description="our resource -> FAB actions the caller holds")


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


class VisualisationsPublic(BaseModel):
    url: str | None
    updated_by: str | None
    updated_at: datetime | None


class VisualisationsUpdate(BaseModel):
    url: str | None = Field(description="absolute http(s) URL of the BI dashboard; null clears it")
