"""Request bodies of the DAG-file routes (the service takes their fields)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DagFileSource(BaseModel):
    """A candidate file to validate or upgrade."""

    name: str
    content: str


class DagFileSave(BaseModel):
    content: str
    base_revision: str | None = Field(
        description="the revision the edit started from; null creates a new file (409 if it exists)"
    )
    message: str | None = Field(default=None, max_length=2000)
    force: bool = Field(default=False, description="save even if validation fails")


class DagFileRestore(BaseModel):
    commit: str
    base_revision: str | None
    force: bool = False


class DagExampleCopy(BaseModel):
    """Copy a shipped example into the DAGs folder as a new file."""

    target: str | None = Field(
        default=None, max_length=255, description="the new file's name; default: the example's name"
    )
    message: str | None = Field(default=None, max_length=2000, description="the commit message")
