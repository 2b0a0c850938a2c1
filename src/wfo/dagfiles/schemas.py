"""The models the DAG-file and code-brick services take and return; the API uses them as they are."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CodeBrickInput(BaseModel):
    """A brick as a user writes it; the service normalises it (`bricks.clean_input`)."""

    title: str = Field(max_length=1_000)
    description: str = Field(default="", max_length=10_000)
    code: str = Field(max_length=200_000)
    tags: list[str] = Field(default_factory=list, max_length=100)


class CodeBrickPublic(BaseModel):
    id: int
    title: str
    description: str
    code: str
    tags: list[str]
    shipped: bool = Field(description="as wfo ships it (a user's edit makes it False)")
    updated_at: datetime
    updated_by: str | None


class CodeBrickList(BaseModel):
    bricks: list[CodeBrickPublic]
