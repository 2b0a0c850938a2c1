"""`/spark-dependencies`: jars and Python files for config groups; plus the manual's `/api/dependencies/`.

`compat_router` is mounted by `wfo.plugin.compat` at `/api/dependencies` (Bearer tokens only).
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.audit.service import record
from wfo.auth import roles
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.repository_schemas import DependencyImportReport, SparkDependencyList, SparkDependencyPublic
from wfo.plugin.routers.files import (
    download,
    fail,
    form_flag,
    multipart_body,
    multipart_form,
    one_archive,
    refuse,
    refuse_import,
    tar_gz_response,
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
    return tar_gz_response(
        SparkDependencies.from_settings().export_tar_gz, "wfo-dependencies-", "dependencies.tar.gz"
    )


@compat_router.post("/", response_model=DependencyImportReport, openapi_extra=_IMPORT_BODY)
def import_dependencies(
    current: BearerCanCreate,
    form: ArchiveForm,
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
) -> Response:
    """Import a tar.gz from `GET /api/dependencies/` (form field `sources`): every file or none."""
    source = one_archive(form)
    dry_run = dry_run or form_flag(form, "dry_run")
    details = {"archive": source.filename}
    try:
        report = SparkDependencies.from_settings().import_archive(source.stream, dry_run=dry_run)
    except ImportRefusedError as exc:
        action = "spark_dependency.import"
        return refuse_import(exc, current, action, OBJECT, details, exc.report["rejected"], exc.report)
    except (StorageError, RepositoryError) as exc:
        refuse(exc, current, "spark_dependency.import", OBJECT, None, details)
    if not dry_run:
        record(session, current.actor, "spark_dependency.import", OBJECT, None, "success", report)
    return JSONResponse(DependencyImportReport.model_validate(report).model_dump())
