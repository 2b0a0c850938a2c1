"""Models of the notebook hub's routes (`/wfo/api/v1/notebooks`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

Folder = Literal["own", "common"]


class NotebookLogin(BaseModel):
    """Where to send the browser: the hub's login link with a single-use ticket (valid 60 s)."""

    url: str = Field(description="absolute URL of the hub's login with a ticket for the current user")


class NotebookEntry(BaseModel):
    folder: Folder = Field(description="own: the user's notebook root; common: common_workspace")
    path: str = Field(description="path inside the folder, e.g. team/q3.ipynb")
    size: int
    modified: dt.datetime | None = None


class NotebookList(BaseModel):
    notebooks: list[NotebookEntry]
    hub_url: str | None = Field(description="the hub's URL, null when the instance runs without it")


# --- schedules (a notebook run by a generated DAG) ---------------------------------------------------------
ParameterType = Literal["bool", "int", "float", "str", "list", "dict"]


class NotebookParameter(BaseModel):
    """One assignment of the notebook's `parameters` cell: its name, the type its default suggests."""

    name: str
    type: ParameterType | None = Field(description="from the default's literal; null when it is not one")
    default: Any = None


class NotebookParameters(BaseModel):
    notebook: str
    parameters: list[NotebookParameter]


class NotebookScheduleCreate(BaseModel):
    """A schedule: the notebook (in common_workspace), "@once" or a cron expression, parameters."""

    notebook: str = Field(max_length=1024, description="e.g. common_workspace/report.ipynb")
    schedule: str = Field(max_length=200, description='"@once" or a cron expression, e.g. "0 6 * * 1-5"')
    parameters: dict[str, Any] = Field(default_factory=dict, description="injected after the parameters cell")
    config_group: str | None = Field(default=None, max_length=250, description="default: none")
    output_folder: str | None = Field(
        default=None,
        max_length=1024,
        description="where each run writes its executed notebook (in common_workspace); "
        "default common_workspace/runs/<dag id>",
    )


class NotebookSchedule(BaseModel):
    """A saved schedule, as its DAG file records it."""

    dag_id: str
    dag_url: str
    file: str = Field(description="the generated file in the DAGs folder")
    notebook: str
    schedule: str
    parameters: dict[str, Any]
    config_group: str | None = None
    owner: str
    output_folder: str
    next_runs: list[dt.datetime] = Field(default_factory=list)


class NotebookScheduleSaved(NotebookSchedule):
    state: str = Field(
        description="ok: parsed, triggerable; pending: not parsed yet; error: see the DAG page"
    )


class NotebookScheduleList(BaseModel):
    schedules: list[NotebookSchedule]


class NextRuns(BaseModel):
    schedule: str
    next_runs: list[dt.datetime]


class NotebookRun(BaseModel):
    dag_run_id: str
    state: str | None
    output: str = Field(description="the executed notebook, readable with GET /notebooks/content?path=")
    logical_date: dt.datetime | None = None
    start_date: dt.datetime | None = None
    end_date: dt.datetime | None = None


class NotebookRuns(BaseModel):
    dag_id: str
    runs: list[NotebookRun]


# --- git (the user's notebook folder as a git work tree) ---------------------------------------------------
class GitConfigUpdate(BaseModel):
    """A git configuration; `token` and `ssh_key` are write-only (stored encrypted, never returned)."""

    remote_url: str = Field(
        max_length=2000, description="https://..., ssh://..., git@host:path or file:///..."
    )
    branch: str = Field(default="main", max_length=200)
    author_name: str = Field(max_length=256)
    author_email: str = Field(max_length=320)
    token: SecretStr | None = Field(default=None, description="HTTPS token (write-only)")
    token_user: str | None = Field(
        default=None, max_length=256, description="the token's user name (default git)"
    )
    ssh_key: SecretStr | None = Field(
        default=None, description="SSH private key without passphrase (write-only)"
    )
    clear_credential: bool = Field(default=False, description="forget the stored token or key")


class GitConfigPublic(BaseModel):
    configured: bool
    remote_url: str | None = None
    branch: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    credential: Literal["token", "ssh_key"] | None = Field(
        default=None, description="which credential is stored (its value is never returned)"
    )
    token_user: str | None = None
    updated_at: dt.datetime | None = None


class GitFileStatus(BaseModel):
    path: str
    status: Literal["modified", "added", "deleted", "untracked", "renamed", "conflicted"]


class GitStatus(BaseModel):
    branch: str
    commits: bool = Field(description="whether the folder has any commit yet")
    files: list[GitFileStatus]


class GitFileDiff(BaseModel):
    path: str
    kind: Literal["notebook", "text", "binary"]
    diff: str = Field(description="notebook: nbdime's cell-by-cell diff; text: a unified diff")


class GitDiff(BaseModel):
    files: list[GitFileDiff]


class GitCommitCreate(BaseModel):
    files: list[str] = Field(min_length=1, max_length=1000, description="paths from the status, to commit")
    message: str = Field(min_length=1, max_length=10000)


class GitCommitInfo(BaseModel):
    commit: str
    author: str
    email: str
    time: dt.datetime
    message: str


class GitCommitDetail(GitCommitInfo):
    files: list[GitFileDiff]


class GitLog(BaseModel):
    commits: list[GitCommitInfo]


class GitSyncResult(BaseModel):
    """What a pull or push did."""

    changed: bool = Field(description="false: already up to date")
    message: str
    commit: str | None = None
