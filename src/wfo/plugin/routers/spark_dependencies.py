"""`/spark-dependencies`: jars and Python files for config groups; plus the manual's `/api/dependencies/`.

`compat_router` is mounted by `wfo.plugin.compat` at `/api/dependencies` (Bearer tokens only).
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from wfo.auth import roles
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.downloads import download, tar_gz_response
from wfo.plugin.errors import errors
from wfo.plugin.uploads import form_flag, multipart_body, multipart_form, one_archive, uploads_of
from wfo.repositories import spark_dependencies
from wfo.repositories.schemas import DependencyImportReport, SparkDependencyList
from wfo.repositories.spark_dependencies import SparkDependencies
from wfo.storage.limits import GiB

router = APIRouter(prefix="/spark-dependencies", tags=["spark dependencies"])
compat_router = APIRouter(tags=["import/export"])

RESOURCE = roles.SPARK_DEPENDENCIES
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


@router.get("")
def list_dependencies(_: CanRead) -> SparkDependencyList:
    return SparkDependencies.from_settings().listing()


@router.post("", openapi_extra=_FILES_BODY, responses=errors(400, 413, 415))
def upload_dependencies(
    _: CanCreate,
    form: UploadForm,
    audit: Annotated[AuditRecord, audited("spark_dependency.upload")],
) -> SparkDependencyList:
    """Upload one or several `.jar .py .zip .egg` files (a file of the same name is replaced)."""
    repository = SparkDependencies.from_settings()
    uploads = uploads_of(form, "files")
    audit.details = {"files": [u.filename for u in uploads]}
    for name in repository.upload(uploads):
        audit.add(name)
    return repository.listing()


@router.get("/{name}/download", response_class=StreamingResponse, responses=errors(404))
def download_dependency(name: str, _: CanRead) -> Response:
    return download(SparkDependencies.from_settings().open(name), name)


@router.delete("/{name}", status_code=204, responses=errors(404, 409))
def delete_dependency(
    name: str,
    _: CanDelete,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("spark_dependency.delete", object_param="name")],
) -> None:
    """Delete a dependency; 409 while a config group's `jars`/`py-files` use it."""
    SparkDependencies.from_settings().delete(name, lambda n: spark_dependencies.groups_using(session, n))


# --- the manual's import/export: GET/POST /api/dependencies/ -------------------------------------------
@compat_router.get("/", response_class=FileResponse)
def export_dependencies(_: BearerCanRead) -> Response:
    """A tar.gz of every Spark dependency (deterministic: the same files give the same bytes)."""
    return tar_gz_response(
        SparkDependencies.from_settings().export_tar_gz, "wfo-dependencies-", "dependencies.tar.gz"
    )


@compat_router.post("/", openapi_extra=_IMPORT_BODY, responses=errors(400, 413, 415))
def import_dependencies(
    _: BearerCanCreate,
    form: ArchiveForm,
    audit: Annotated[AuditRecord, audited("spark_dependency.import")],
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
) -> DependencyImportReport:
    """Import a tar.gz from `GET /api/dependencies/` (form field `sources`): every file or none.

    422 with the report next to `detail` when a file is refused (nothing is imported then: the refused
    files are under `rejected`, the others under `held_back`). Files equal to the stored ones are
    `unchanged` and not written. `dry_run=true` answers what the import would answer, writing nothing.
    """
    source = one_archive(form)
    dry_run = dry_run or form_flag(form, "dry_run")
    audit.details = {"archive": source.filename}
    if dry_run:
        audit.skip()
    report = SparkDependencies.from_settings().import_archive(source.stream, dry_run=dry_run)
    audit.details = report.model_dump()
    return report
