"""`/code-artifacts`: versioned job code (`code_artifact='x.py'` in a DAG means the latest version)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.audit.service import record
from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.repository_schemas import (
    CodeArtifactContent,
    CodeArtifactDetail,
    CodeArtifactList,
    CodeArtifactPublic,
    CodeArtifactRestore,
    CodeArtifactUploaded,
    CodeArtifactUploadResult,
    CodeArtifactVersionPublic,
)
from wfo.plugin.routers.files import download, fail, multipart_body, multipart_form, refuse, uploads_of
from wfo.repositories.code_artifacts import ArtifactVersion, CodeArtifacts
from wfo.repositories.errors import RepositoryError
from wfo.storage.errors import StorageError
from wfo.storage.limits import GiB

router = APIRouter(prefix="/code-artifacts", tags=["code artifacts"])

RESOURCE = roles.CODE_ARTIFACTS
OBJECT = "code_artifact"
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanEdit = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_EDIT))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
UploadForm = Annotated[FormData, Depends(multipart_form(2 * GiB))]
Version = Annotated[int | None, Query(ge=1, description="a version number; default: the latest")]
_FILES_BODY = multipart_body(
    {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"]
)


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _version(entry: ArtifactVersion) -> CodeArtifactVersionPublic:
    return CodeArtifactVersionPublic(
        version=entry.version,
        size=entry.size,
        sha256=entry.sha256,
        uploaded_by=entry.uploaded_by,
        uploaded_at=_time(entry.uploaded_at),
        text=entry.text,
        restored_from=entry.restored_from,
    )


@router.get("", response_model=CodeArtifactList)
def list_artifacts(_: CanRead, q: Annotated[str | None, Query(max_length=255)] = None) -> CodeArtifactList:
    """Every artifact (latest version), filtered by `q`: a case-insensitive part of the name."""
    artifacts = []
    for manifest in CodeArtifacts.from_settings().search(q):
        latest = manifest.current
        artifacts.append(
            CodeArtifactPublic(
                name=manifest.name,
                size=latest.size,
                modified=_time(latest.uploaded_at),
                version=latest.version,
                versions=len(manifest.versions),
                uploaded_by=latest.uploaded_by,
                text=latest.text,
            )
        )
    return CodeArtifactList(artifacts=artifacts)


@router.post("", response_model=CodeArtifactUploadResult, openapi_extra=_FILES_BODY)
def upload_artifacts(current: CanCreate, form: UploadForm, session: SessionDep) -> CodeArtifactUploadResult:
    """Upload one or several files; a known name gets a new version (identical bytes: no new version)."""
    uploads = uploads_of(form, "files")
    try:
        results = CodeArtifacts.from_settings().upload(uploads, current.username)
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "code_artifact.upload", OBJECT, None, {"files": [u.filename for u in uploads]})
    for result in results:
        details = {"version": result.version, "unchanged": result.unchanged}
        record(session, current.actor, "code_artifact.upload", OBJECT, result.name, "success", details)
    return CodeArtifactUploadResult(
        uploaded=[
            CodeArtifactUploaded(name=r.name, version=r.version, unchanged=r.unchanged) for r in results
        ]
    )


@router.get("/{name}", response_model=CodeArtifactDetail)
def read_artifact(name: str, _: CanRead) -> CodeArtifactDetail:
    try:
        manifest = CodeArtifacts.from_settings().get(name)
    except (StorageError, RepositoryError) as exc:
        fail(exc)
    return CodeArtifactDetail(
        name=manifest.name, latest=manifest.latest, versions=[_version(v) for v in manifest.versions]
    )


@router.get("/{name}/content", response_model=CodeArtifactContent)
def read_artifact_text(name: str, _: CanRead, version: Version = None) -> CodeArtifactContent:
    """The content of a text file (UTF-8, up to 1 MiB); 415 for binary files."""
    try:
        entry, text = CodeArtifacts.from_settings().text(name, version)
    except (StorageError, RepositoryError) as exc:
        fail(exc)
    return CodeArtifactContent(name=name, version=entry.version, text=text)


@router.get("/{name}/download", response_class=StreamingResponse)
def download_artifact(name: str, _: CanRead, version: Version = None) -> Response:
    try:
        _entry, stream = CodeArtifacts.from_settings().open(name, version)
    except (StorageError, RepositoryError) as exc:
        fail(exc)
    return download(stream, name)


@router.post("/{name}/restore", response_model=CodeArtifactUploaded)
def restore_artifact(
    name: str, body: CodeArtifactRestore, current: CanEdit, session: SessionDep
) -> CodeArtifactUploaded:
    """Make an old version's content the latest again (as a new version; restoring the latest is a no-op)."""
    try:
        result = CodeArtifacts.from_settings().restore(name, body.version, current.username)
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "code_artifact.restore", OBJECT, name, {"version": body.version})
    details = {"from_version": body.version, "version": result.version, "unchanged": result.unchanged}
    record(session, current.actor, "code_artifact.restore", OBJECT, name, "success", details)
    return CodeArtifactUploaded(name=result.name, version=result.version, unchanged=result.unchanged)


@router.delete("/{name}", status_code=204)
def delete_artifact(name: str, current: CanDelete, session: SessionDep) -> None:
    """Delete the artifact with all its versions."""
    try:
        versions = CodeArtifacts.from_settings().delete(name)
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "code_artifact.delete", OBJECT, name)
    record(session, current.actor, "code_artifact.delete", OBJECT, name, "success", {"versions": versions})
