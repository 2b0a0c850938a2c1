"""`/models`: models and datasets (versioned, in the object store) and their serving by the model server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.auth import roles
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, RowId, require
from wfo.plugin.downloads import download
from wfo.plugin.errors import errors
from wfo.plugin.uploads import form_text, multipart_body, multipart_form, uploads_of
from wfo.serving.catalog import ModelCatalog
from wfo.serving.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    Kind,
    ModelDetail,
    ModelList,
    ModelPublic,
    ModelRestore,
    ModelUploaded,
    TryRequest,
    TryResult,
)
from wfo.settings import get_settings
from wfo.storage.limits import GiB

router = APIRouter(prefix="/models", tags=["models and datasets"])

RESOURCE = roles.MODELS
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanEdit = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_EDIT))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
CanPublish = Annotated[CurrentUser, Depends(require(roles.PUBLIC_MODELS, roles.CAN_EDIT))]
UploadForm = Annotated[FormData, Depends(multipart_form(4 * GiB))]
Version = Annotated[int | None, Query(ge=1, le=2**31, description="a version number; default: the latest")]
_UPLOAD_BODY = multipart_body(
    {
        "kind": {"type": "string", "enum": ["tensorflow", "pmml", "pytorch", "onnx", "other", "dataset"]},
        "name": {"type": "string"},
        "file": {"type": "string", "format": "binary"},
    },
    ["kind", "name", "file"],
)


def _token(request: Request) -> str | None:
    """The caller's Airflow token (header or the UI's cookie), forwarded to the model server."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get("_token") or None


def _api_base() -> str:
    settings = get_settings()
    return (settings.public_url or settings.base_url).rstrip("/")


@router.get("")
def list_models(request: Request, _: CanRead, kind: Annotated[Kind | None, Query()] = None) -> ModelList:
    """Every model and dataset (latest version) with its serving state."""
    return ModelCatalog().listing(_token(request), kind)


@router.post("", status_code=201, openapi_extra=_UPLOAD_BODY, responses=errors(400, 409, 413, 415))
def upload_model(
    current: CanCreate,
    form: UploadForm,
    audit: Annotated[AuditRecord, audited("model.upload")],
) -> ModelUploaded:
    """Upload a model or dataset (`kind`, `name`, `file`); a known name gets a new version."""
    kind, name = form_text(form, "kind"), form_text(form, "name")
    files = uploads_of(form, "file")
    if not kind or not name or len(files) != 1:
        raise HTTPException(422, detail="send the fields `kind`, `name` and exactly one `file`")
    audit.object_id = name
    audit.details = {"kind": kind, "file": files[0].filename}
    result = ModelCatalog().upload(kind, name, files[0].filename, files[0].stream, current.username)
    audit.details |= {"version": result.version, "unchanged": result.unchanged}
    return result


@router.get("/{name}", responses=errors(404))
def read_model(name: str, request: Request, _: CanRead) -> ModelDetail:
    """Versions, serving state (loading / serving / failed / stored), endpoints and a curl example."""
    return ModelCatalog().detail(name, _token(request), _api_base())


@router.get("/{name}/download", response_class=StreamingResponse, responses=errors(404))
def download_model(name: str, _: CanRead, version: Version = None) -> Response:
    entry, stream = ModelCatalog().repository.open(name, version)
    return download(stream, entry.filename)


@router.post("/{name}/restore", responses=errors(404))
def restore_model(
    name: str,
    body: ModelRestore,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("model.restore", object_param="name")],
) -> ModelUploaded:
    """Make an old version the latest again (as a new version); the server switches to it."""
    audit.details = {"from_version": body.version}
    result = ModelCatalog().restore(name, body.version, current.username)
    audit.details |= {"version": result.version, "unchanged": result.unchanged}
    return result


@router.delete("/{name}", status_code=204, responses=errors(404))
def delete_model(
    name: str,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("model.delete", object_param="name")],
) -> None:
    """Delete every version; the model server stops serving it."""
    audit.details = {"versions": ModelCatalog().repository.delete(name)}


@router.delete("/{name}/versions/{version}", status_code=204, responses=errors(404))
def delete_model_version(
    name: str,
    version: RowId,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("model_version.delete", object_param="name")],
) -> None:
    """Delete one version (the highest remaining one becomes the latest)."""
    audit.details = {"version": version}
    ModelCatalog().repository.delete_version(name, version)


@router.post("/{name}/keys", status_code=201, responses=errors(404))
def create_key(
    name: str,
    body: ApiKeyCreate,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("model_key.create", object_param="name")],
) -> ApiKeyCreated:
    """A new API key for this model's serving routes; the key is in this answer only."""
    created = ModelCatalog().create_key(name, body.label, current.username)
    audit.details = {"key_id": created.id, "label": created.label}
    return created


@router.delete("/{name}/keys/{key_id}", status_code=204, responses=errors(404))
def delete_key(
    name: str,
    key_id: str,
    _: CanEdit,
    audit: Annotated[AuditRecord, audited("model_key.delete", object_param="name")],
) -> None:
    audit.details = {"key_id": key_id}
    ModelCatalog().repository.delete_key(name, key_id)


@router.put("/{name}/public", responses=errors(404))
def set_public(
    name: str,
    body: ModelPublic,
    _: CanPublish,
    audit: Annotated[AuditRecord, audited("model.publish", object_param="name")],
) -> ModelPublic:
    """Admin only: a public model's serving routes need no token."""
    audit.details = {"public": body.public}
    return ModelPublic(public=ModelCatalog().repository.set_public(name, body.public).public)


@router.post("/{name}/try", responses=errors(404, 422, 503))
def try_model(name: str, body: TryRequest, request: Request, _: CanRead) -> TryResult:
    """Send a JSON request to the model's route on the model server (with the caller's token)."""
    return ModelCatalog().try_it(name, body.protocol, body.request, _token(request))
