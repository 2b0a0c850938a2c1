"""`/spark-dependencies`: jars and Python files for config groups; plus the manual's `/api/dependencies/`.

`compat_router` is mounted by `wfo.plugin.compat` at `/api/dependencies` (Bearer tokens only).
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.audit.service import record, record_separately
from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.repository_schemas import DependencyImportReport, SparkDependencyList, SparkDependencyPublic
from wfo.plugin.routers.files import (
    download,
    fail,
    form_flag,
    multipart_body,
    multipart_form,
    refuse,
    uploads_of,
)
from wfo.repositories import spark_dependencies
from wfo.repositories.errors import ImportRefusedError, RepositoryError
from wfo.repositories.spark_dependencies import SparkDependencies
from wfo.storage.errors import StorageError
from wfo.storage.limits import GiB

router = APIRouter(prefix="/spark-dependencies", tags=["spark dependencies"])
compat_router = APIRouter(tags=["import/export"])

RESOURCE = roles.SPARK_DEPENDENCIES
OBJECT = "spark_dependency"
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
BearerCanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ, bearer_only=True))]
BearerCanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE, bearer_only=True))]
# Several files of up to 512 MiB each; the archive import holds at most what it may expand to.
UploadForm = Annotated[FormData, Depends(multipart_form(2 * GiB))]
ArchiveForm = Annotated[FormData, Depends(multipart_form(4 * GiB))]
_FILES_BODY = multipart_body(
    {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"]
)
_IMPORT_BODY = multipart_body(
    {
        "sources": {"type": "string", "format": "binary", "description": "tar.gz (or zip) of the files"},
        "dry_run": {"type": "boolean", "description": "report what would change, change nothing"},
    },
    ["sources"],
)


def _listing(repository: SparkDependencies) -> SparkDependencyList:
    return SparkDependencyList(
        files=[
            SparkDependencyPublic(name=d.name, size=d.size, modified=d.modified, kind=d.kind)
            for d in repository.files()
        ]
    )


@router.get("", response_model=SparkDependencyList)
def list_dependencies(_: CanRead) -> SparkDependencyList:
    return _listing(SparkDependencies.from_settings())


@router.post("", response_model=SparkDependencyList, openapi_extra=_FILES_BODY)
def upload_dependencies(current: CanCreate, form: UploadForm, session: SessionDep) -> SparkDependencyList:
    """Upload one or several `.jar .py .zip .egg` files (a file of the same name is replaced)."""
    repository = SparkDependencies.from_settings()
    uploads = uploads_of(form, "files")
    try:
        names = repository.upload(uploads)
    except (StorageError, RepositoryError) as exc:
        refuse(
            exc, current, "spark_dependency.upload", OBJECT, None, {"files": [u.filename for u in uploads]}
        )
    for name in names:
        record(session, current.actor, "spark_dependency.upload", OBJECT, name, "success")
    return _listing(repository)


@router.get("/{name}/download", response_class=StreamingResponse)
def download_dependency(name: str, _: CanRead) -> Response:
    try:
        stream = SparkDependencies.from_settings().open(name)
    except (StorageError, RepositoryError) as exc:
        fail(exc)
    return download(stream, name)


@router.delete("/{name}", status_code=204)
def delete_dependency(name: str, current: CanDelete, session: SessionDep) -> None:
    """Delete a dependency; 409 while a config group's `jars`/`py-files` use it."""
    try:
        SparkDependencies.from_settings().delete(name, lambda n: spark_dependencies.groups_using(session, n))
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "spark_dependency.delete", OBJECT, name)
    record(session, current.actor, "spark_dependency.delete", OBJECT, name, "success")


# --- the manual's import/export: GET/POST /api/dependencies/ -------------------------------------------
@compat_router.get("/", response_class=FileResponse)
def export_dependencies(_: BearerCanRead) -> Response:
    """A tar.gz of every Spark dependency (deterministic: the same files give the same bytes)."""
    handle = tempfile.NamedTemporaryFile(prefix="wfo-dependencies-", suffix=".tar.gz", delete=False)
    try:
        with handle:
            SparkDependencies.from_settings().export_tar_gz(handle)  # type: ignore[arg-type]
    except BaseException:
        os.unlink(handle.name)
        raise
    return FileResponse(
        handle.name,
        media_type="application/gzip",
        filename="dependencies.tar.gz",
        background=BackgroundTask(os.unlink, handle.name),
    )


@compat_router.post("/", response_model=DependencyImportReport, openapi_extra=_IMPORT_BODY)
def import_dependencies(
    current: BearerCanCreate,
    form: ArchiveForm,
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
) -> Response:
    """Import a tar.gz from `GET /api/dependencies/` (form field `sources`): every file or none."""
    sources = uploads_of(form, "sources")
    if len(sources) != 1:
        fail(RepositoryError("send exactly one archive in the form field `sources`"))
    dry_run = dry_run or form_flag(form, "dry_run")
    try:
        report = SparkDependencies.from_settings().import_archive(sources[0].stream, dry_run=dry_run)
    except ImportRefusedError as exc:
        details = {"archive": sources[0].filename, "error": str(exc), "rejected": exc.report["rejected"]}
        record_separately(current.actor, "spark_dependency.import", OBJECT, None, "failure", details)
        # The report says which files were refused and why, next to the usual `detail`.
        return JSONResponse(status_code=422, content={"detail": str(exc), **exc.report})
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "spark_dependency.import", OBJECT, None, {"archive": sources[0].filename})
    if not dry_run:
        record(session, current.actor, "spark_dependency.import", OBJECT, None, "success", report)
    return JSONResponse(DependencyImportReport.model_validate(report).model_dump())
