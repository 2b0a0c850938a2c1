"""`/code-artifacts`: versioned job code (`code_artifact='x.py'` in a DAG means the latest version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.auth import roles
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.downloads import download
from wfo.plugin.errors import errors
from wfo.plugin.uploads import multipart_body, multipart_form, uploads_of
from wfo.repositories.code_artifacts import CodeArtifacts
from wfo.repositories.schemas import (
    CodeArtifactContent,
    CodeArtifactDetail,
    CodeArtifactList,
    CodeArtifactRestore,
    CodeArtifactUploaded,
    CodeArtifactUploadResult,
)
from wfo.storage.limits import GiB

router = APIRouter(prefix="/code-artifacts", tags=["code artifacts"])

RESOURCE = roles.CODE_ARTIFACTS
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanEdit = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_EDIT))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
UploadForm = Annotated[FormData, Depends(multipart_form(2 * GiB))]
Version = Annotated[int | None, Query(ge=1, description="a version number; default: the latest")]
_FILES_BODY = multipart_body(
    {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"]
)


@router.get("")
def list_artifacts(_: CanRead, q: Annotated[str | None, Query(max_length=255)] = None) -> CodeArtifactList:
    """Every artifact (latest version), filtered by `q`: a case-insensitive part of the name."""
    return CodeArtifacts.from_settings().listing(q)


@router.post("", openapi_extra=_FILES_BODY, responses=errors(400, 413, 415))
def upload_artifacts(
    current: CanCreate,
    form: UploadForm,
    audit: Annotated[AuditRecord, audited("code_artifact.upload")],
) -> CodeArtifactUploadResult:
    """Upload one or several files; a known name gets a new version (identical bytes: no new version)."""
    uploads = uploads_of(form, "files")
    audit.details = {"files": [u.filename for u in uploads]}
    results = CodeArtifacts.from_settings().upload(uploads, current.username)
    for result in results:
        audit.add(result.name, {"version": result.version, "unchanged": result.unchanged})
    return CodeArtifactUploadResult(uploaded=results)


@router.get("/{name}", responses=errors(404))
def read_artifact(name: str, _: CanRead) -> CodeArtifactDetail:
    return CodeArtifacts.from_settings().detail(name)


@router.get("/{name}/content", responses=errors(404, 415))
def read_artifact_text(name: str, _: CanRead, version: Version = None) -> CodeArtifactContent:
    """The content of a text file (UTF-8, up to 1 MiB); 415 for binary files."""
    return CodeArtifacts.from_settings().content(name, version)


@router.get("/{name}/download", response_class=StreamingResponse, responses=errors(404))
def download_artifact(name: str, _: CanRead, version: Version = None) -> Response:
    _entry, stream = CodeArtifacts.from_settings().open(name, version)
    return download(stream, name)


@router.post("/{name}/restore", responses=errors(404))
def restore_artifact(
    name: str,
    body: CodeArtifactRestore,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("code_artifact.restore", object_param="name")],
) -> CodeArtifactUploaded:
    """Make an old version's content the latest again (as a new version; restoring the latest is a no-op)."""
    audit.details = {"version": body.version}
    result = CodeArtifacts.from_settings().restore(name, body.version, current.username)
    audit.details = {"from_version": body.version, "version": result.version, "unchanged": result.unchanged}
    return result


@router.delete("/{name}", status_code=204, responses=errors(404))
def delete_artifact(
    name: str,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("code_artifact.delete", object_param="name")],
) -> None:
    """Delete the artifact with all its versions."""
    audit.details = {"versions": CodeArtifacts.from_settings().delete(name)}
