"""Request and response models of the DAG files routes (`/dag-files`, `/api/dags/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ParseStateName = Literal["ok", "error", "pending"]
HistoryAction = Literal["create", "update", "delete", "restore", "import", "upload"]


class DagFilePublic(BaseModel):
    name: str = Field(description="relative path in the DAGs folder, e.g. `team/etl.py`")
    size: int
    modified: datetime
    revision: str = Field(description="identifies the saved content (its git blob id)")
    dag_ids: list[str]
    state: ParseStateName = Field(description="ok, error (see `error`) or pending (not parsed yet)")
    error: str | None


class DagFileList(BaseModel):
    files: list[DagFilePublic]


class DagFileDetail(DagFilePublic):
    content: str
    legacy: bool = Field(description="written for Airflow 1.10: an upgrade is proposed")


class DagFileSource(BaseModel):
    """A candidate file to validate or upgrade."""

    name: str
    content: str


class DagFileCheck(BaseModel):
    validation: dict[str, Any]
    upgrade: dict[str, Any] | None = Field(description="the proposed upgrade, only for legacy code")


class DagFileSave(BaseModel):
    content: str
    base_revision: str | None = Field(
        description="the revision the edit started from; null creates a new file (409 if it exists)"
    )
    message: str | None = Field(default=None, max_length=2000)
    force: bool = Field(default=False, description="save even if validation fails")


class DagFileSaved(BaseModel):
    name: str
    revision: str | None
    commit: str | None = Field(description="the commit of the change (null if the content was unchanged)")
    validation: dict[str, Any]


class DagFileRestore(BaseModel):
    commit: str
    base_revision: str | None
    force: bool = False


class DagFileRevision(BaseModel):
    commit: str
    revision: str | None = Field(description="the file's revision after the commit (null: deleted)")
    author: str
    time: datetime
    message: str
    action: HistoryAction


class DagFileHistory(BaseModel):
    revisions: list[DagFileRevision]


class DagFileContentAt(BaseModel):
    commit: str
    content: str


class DagFileDiff(BaseModel):
    diff: str
    from_content: str
    to_content: str


class DagFileRejection(BaseModel):
    name: str
    reason: str
    validation: dict[str, Any] | None = None
    upgrade: dict[str, Any] | None = None


class DagFileUploadReport(BaseModel):
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    rejected: list[DagFileRejection]
