"""The models the repository services take and return; the API uses them as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SparkDependencyKind = Literal["jar", "py", "zip", "egg"]


class SparkDependencyPublic(BaseModel):
    name: str
    size: int
    modified: datetime | None
    kind: SparkDependencyKind


class SparkDependencyList(BaseModel):
    files: list[SparkDependencyPublic]


class DependencyImportRejection(BaseModel):
    name: str
    reason: str


class DependencyImportHeldBack(BaseModel):
    """A file that would have been added or changed, not imported because another file was refused."""

    name: str
    would_be: Literal["added", "changed"]
    reason: str


class DependencyImportReport(BaseModel):
    """What an import did (or, with `dry_run`, would do) with every file of the archive.

    All or nothing (docs/user-guide.md, "Import / export"): when a file is refused, `added` and
    `changed` are empty, the refused files are under `rejected` and the others under `held_back`.
    """

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list, description="equal to the stored file: not written")
    rejected: list[DependencyImportRejection] = Field(default_factory=list)
    held_back: list[DependencyImportHeldBack] = Field(default_factory=list)
    dry_run: bool = False
    imported: bool = Field(default=False, description="something was written (never for a dry run)")


class CodeArtifactPublic(BaseModel):
    name: str
    size: int
    modified: datetime | None = Field(description="when the latest version was uploaded")
    version: int = Field(description="the latest version")
    versions: int = Field(description="how many versions are kept")
    uploaded_by: str
    text: bool = Field(description="the latest version is UTF-8 text (it can be viewed)")


class CodeArtifactList(BaseModel):
    artifacts: list[CodeArtifactPublic]


class CodeArtifactVersionPublic(BaseModel):
    version: int
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime | None
    text: bool
    restored_from: int | None = None


class CodeArtifactDetail(BaseModel):
    name: str
    latest: int
    versions: list[CodeArtifactVersionPublic]


class CodeArtifactUploaded(BaseModel):
    name: str
    version: int
    unchanged: bool = Field(description="the bytes equal the latest version: no version was added")


class CodeArtifactUploadResult(BaseModel):
    uploaded: list[CodeArtifactUploaded]


class CodeArtifactContent(BaseModel):
    name: str
    version: int
    text: str


class CodeArtifactRestore(BaseModel):
    version: int = Field(ge=1, description="the version whose content becomes the new latest")
