"""The models the DAG-file and code-brick services take and return; the API uses them as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


# --- validation and the legacy upgrade (computed in the validator process, sent back as JSON) ---------
ProblemKind = Literal[
    "syntax",
    "import",
    "cycle",
    "duplicate_task",
    "unknown_operator",
    "timeout",
    "memory",
    "legacy",
    "not_found_at_parse",
    "missing_artifact",
    "other",
]


class Problem(BaseModel):
    """One error or warning, with a 1-based line/column when the file position is known."""

    model_config = ConfigDict(frozen=True)

    kind: ProblemKind
    message: str
    line: int | None = None
    column: int | None = None


class ValidationResult(BaseModel):
    """What the validator found in one file; `ok` means no errors (warnings are allowed)."""

    ok: bool
    dag_ids: list[str] = Field(default_factory=list)
    errors: list[Problem] = Field(default_factory=list)
    warnings: list[Problem] = Field(default_factory=list)
    seconds: float = 0.0
    code_artifacts: list[str] = Field(
        default_factory=list,
        description="the code artifacts the file's tasks use (`code_artifact=`), as they name them",
    )


class UpgradeIssue(BaseModel):
    """Something the upgrade left as it was because no rewrite is safe; `line` is 1-based in the input."""

    model_config = ConfigDict(frozen=True)

    line: int
    message: str
    hint: str


class UpgradeResult(BaseModel):
    """The automatic upgrade of Airflow 1.10-era code: the rewritten source, its diff, what it left."""

    changed: bool
    source: str
    diff: str = Field(description="unified diff from the file to `source` (empty when unchanged)")
    issues: list[UpgradeIssue] = Field(default_factory=list)


class DagFileCheck(BaseModel):
    """The verdict on a candidate file: its validation, plus the proposed upgrade when it is legacy code."""

    validation: ValidationResult
    upgrade: UpgradeResult | None = Field(description="the proposed upgrade, only for legacy code")

    @property
    def ok(self) -> bool:
        return self.validation.ok

    @property
    def accepted(self) -> bool:
        """Fit for upload without `force`: valid and not legacy code."""
        return self.ok and self.upgrade is None


# --- the DAGs folder as one user sees it -----------------------------------------------------------------
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


class DagExamplePublic(DagFilePublic):
    """A DAG file shipped with wfo (read-only; parse state from the `wfo-examples` bundle)."""

    description: str = Field(description="the first line of the file's docstring")


class DagExampleList(BaseModel):
    examples: list[DagExamplePublic]


class DagExampleDetail(DagExamplePublic):
    content: str


class DagFileSaved(BaseModel):
    name: str
    revision: str | None
    commit: str | None = Field(description="the commit of the change (null if the content was unchanged)")
    validation: ValidationResult


class DagExampleCopied(DagFileSaved):
    """An example copied into the DAGs folder; its DAGs get ids of their own (two DAGs may not share one)."""

    example: str = Field(description="the example's file name")
    renamed: dict[str, str] = Field(description="each DAG id of the example -> the copy's DAG id")


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
    validation: ValidationResult | None = None
    upgrade: UpgradeResult | None = None


class DagFileHeldBack(BaseModel):
    """A file that passed, not imported because another file of the archive was refused."""

    name: str
    would_be: Literal["added", "changed"]
    reason: str


class DagFileSkipped(BaseModel):
    """A file of the archive that an import leaves out on purpose (a shipped example DAG)."""

    name: str
    reason: str


class DagFileUploadReport(BaseModel):
    """What an upload or import did with every file (all in one commit; a dry run: what it would do).

    An import is all or nothing unless `partial` (docs/user-guide.md, "Import / export"): when a file is
    refused, `added` and `changed` are empty, the refused files are under `rejected` and the files that
    passed under `held_back`.
    """

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(
        default_factory=list, description="equal to the file in the folder: not written"
    )
    rejected: list[DagFileRejection] = Field(default_factory=list)
    held_back: list[DagFileHeldBack] = Field(default_factory=list)
    skipped: list[DagFileSkipped] = Field(default_factory=list)
    commit: str | None = Field(default=None, description="the commit of the change (null: nothing written)")
    forced: list[str] = Field(
        default_factory=list, description="files written with `force` although they failed validation"
    )
    dry_run: bool = False
    partial: bool = Field(
        default=False, description="the import wrote the files that passed, refusing the others"
    )
    imported: bool = Field(default=False, description="something was written (never for a dry run)")
