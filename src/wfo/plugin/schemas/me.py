"""`GET /me`: who the caller is and what they may do."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MePublic(BaseModel):
    username: str
    roles: list[str]
    permissions: dict[str, list[str]] = Field(description="our resource -> FAB actions the caller holds")
