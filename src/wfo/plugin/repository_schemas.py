"""Request and response models of the Spark dependencies and code artifacts routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SparkDependencyPublic(BaseModel):
    name: str
    size: int
    modified: datetime | None
    kind: Literal["jar", "py", "zip", "egg"]


class SparkDependencyList(BaseModel):
    files: list[SparkDependencyPublic]


class DependencyImportRejection(BaseModel):
    name: str
    reason: str


class DependencyImportReport(BaseModel):
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    rejected: list[DependencyImportRejection]
    dry_run: bool


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
