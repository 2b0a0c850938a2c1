"""`/eda`: exploratory data analysis runs (the `wfo_eda` DAG) and their reports (Developer, Admin)."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.responses import Response

from wfo.auth import roles
from wfo.eda import runs, saved
from wfo.eda.errors import BadSource
from wfo.eda.runs import EdaRunCreate, EdaRunCreated, EdaRunPublic
from wfo.eda.saved import EdaSourceCreate, EdaSourceList, EdaSourcePublic
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, RowId, require
from wfo.plugin.errors import errors
from wfo.plugin.uploads import multipart_body, multipart_form, uploads_of
from wfo.settings import get_settings
from wfo.storage.objectstore import ObjectStore

router = APIRouter(prefix="/eda", tags=["Exploratory data analysis"])

CanRead = Annotated[CurrentUser, Depends(require(roles.EDA, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(roles.EDA, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(roles.EDA, roles.CAN_DELETE))]
# The upload limit plus room for the multipart framing.
UploadForm = Annotated[FormData, Depends(multipart_form(runs.MAX_UPLOAD_BYTES + 1024 * 1024))]
_FILE_BODY = multipart_body({"file": {"type": "string", "format": "binary"}}, ["file"])

API_PREFIX = "/wfo/api/v1"
# The report holds values from user data: it may show them, never run or load anything.
REPORT_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


@router.post("/runs", status_code=201, responses=errors(400, 503))
def start_run(
    body: EdaRunCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("eda_run.create")],
) -> EdaRunCreated:
    """Start a run of the `wfo_eda` DAG on `source` (400 with the reason for a source that is not allowed)."""
    audit.object_id = body.source[:200]
    created = runs.start_run(session, body, current.username, get_settings())
    audit.details = {"run_id": created.run_id, "kind": body.kind, "output": created.output}
    return created


@router.post("/uploads", status_code=201, openapi_extra=_FILE_BODY, responses=errors(400, 413, 415, 503))
def upload_and_run(
    session: SessionDep,
    current: CanCreate,
    form: UploadForm,
    audit: Annotated[AuditRecord, audited("eda_upload.create")],
) -> EdaRunCreated:
    """A preliminary report of an uploaded CSV/TSV/Excel file (field `file`); the file is not kept."""
    uploads = uploads_of(form, "file")
    if len(uploads) != 1:
        raise BadSource("Send one file in the field 'file'.")
    audit.object_id = uploads[0].filename[:200]
    created = runs.start_upload_run(
        session,
        uploads[0].filename,
        uploads[0].stream,
        current.username,
        get_settings(),
        ObjectStore.from_settings(),
    )
    audit.details = {"run_id": created.run_id, "output": created.output}
    return created


@router.get("/runs/{run_id}", responses=errors(404))
def read_run(run_id: str, session: SessionDep, _: CanRead) -> EdaRunPublic:
    return runs.get_run(session, run_id, API_PREFIX)


@router.get("/runs/{run_id}/report", response_class=Response, responses=errors(404))
def read_report(run_id: str, session: SessionDep, _: CanRead) -> Response:
    """The HTML report, sandboxed (no script, nothing loaded): open it in a new tab."""
    data = runs.read_output(session, run_id, ".html", ObjectStore.from_settings())
    return Response(content=data, media_type="text/html; charset=utf-8", headers=REPORT_HEADERS)


@router.get("/runs/{run_id}/report.json", response_class=Response, responses=errors(404))
def read_report_json(run_id: str, session: SessionDep, _: CanRead) -> Response:
    """The report's JSON twin (schema: `wfo.eda.schemas.Report`, docs/eda.md)."""
    data = runs.read_output(session, run_id, ".json", ObjectStore.from_settings())
    return Response(content=data, media_type="application/json", headers=REPORT_HEADERS)


@router.get("/sources")
def list_sources(session: SessionDep, _: CanRead) -> EdaSourceList:
    """The saved sources, each with its outputs tree (newest first)."""
    return saved.list_sources(session, get_settings(), ObjectStore.from_settings())


@router.post("/sources", status_code=201, responses=errors(400, 409))
def add_source(
    body: EdaSourceCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("eda_source.create")],
) -> EdaSourcePublic:
    audit.object_id = body.source[:200]
    return saved.add_source(session, body, current.username, get_settings())


@router.delete("/sources/{source_id}", status_code=204, responses=errors(404))
def delete_source(
    source_id: RowId,
    session: SessionDep,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("eda_source.delete", object_param="source_id")],
) -> Response:
    """Forget a saved source (its outputs stay until deleted)."""
    audit.object_id = saved.delete_source(session, source_id)[:200]
    return Response(status_code=204)


@router.get("/outputs/{key:path}", response_class=Response, responses=errors(404))
def read_output(key: str, _: CanRead) -> Response:
    """A report (`.html`, sandboxed) or its JSON twin, by object key."""
    data = saved.read_output(key, ObjectStore.from_settings())
    media = "text/html; charset=utf-8" if key.endswith(".html") else "application/json"
    return Response(content=data, media_type=media, headers=REPORT_HEADERS)


@router.delete("/outputs/{folder:path}", status_code=204, responses=errors(400, 404))
def delete_output(
    folder: str,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("eda_output.delete", object_param="folder")],
) -> Response:
    """Delete one run's outputs: `outputs/<source>/<kind>/<timestamp>`."""
    audit.details = {"files": saved.delete_output(folder, ObjectStore.from_settings())}
    return Response(status_code=204)
