"""Routes of the DAGs folder (list, read, validate, save with review, history), of the shipped example
DAGs (`/dag-examples`: list, read, copy into the DAGs folder) and `/api/dags/`.

`examples_router` is a router of its own because an example's name would clash with a file of a
sub-folder `examples/` under `/dag-files`. `compat_router` is mounted by `wfo.plugin.compat` at `/api/dags` (Bearer tokens only). File names
are relative paths (`team/etl.py`), hence the `{name:path}` parameters; the routes with a suffix
(`/history`, `/diff` ...) are declared before the bare `{name:path}` ones so they match first.
"""

from __future__ import annotations

from typing import Annotated, Any

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from wfo.auth import roles
from wfo.dagfiles import batches, example_dags, service
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.schemas import (
    DagExampleCopied,
    DagExampleDetail,
    DagExampleList,
    DagFileCheck,
    DagFileContentAt,
    DagFileDetail,
    DagFileDiff,
    DagFileHistory,
    DagFileList,
    DagFileSaved,
    DagFileUploadReport,
    UpgradeResult,
)
from wfo.dagfiles.store import DagFolder
from wfo.examples.seed import DAGS_DIR as EXAMPLES_DIR
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.downloads import tar_gz_response
from wfo.plugin.errors import errors
from wfo.plugin.schemas.dag_files import DagExampleCopy, DagFileRestore, DagFileSave, DagFileSource
from wfo.plugin.uploads import form_flag, form_text, multipart_body, multipart_form, one_archive, uploads_of
from wfo.storage.limits import MiB

router = APIRouter(prefix="/dag-files", tags=["DAG files"])
examples_router = APIRouter(prefix="/dag-examples", tags=["DAG files"])
compat_router = APIRouter(tags=["import/export"])

RESOURCE = roles.DAG_FILES
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_EDIT))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
BearerCanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ, bearer_only=True))]
BearerCanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE, bearer_only=True))]
UploadForm = Annotated[FormData, Depends(multipart_form(256 * MiB))]
ArchiveForm = Annotated[FormData, Depends(multipart_form(batches.IMPORT_LIMITS.max_total_bytes))]
_FILES_BODY = multipart_body(
    {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
        "force": {"type": "boolean", "description": "accept files that fail validation"},
        "message": {"type": "string", "description": "the commit message"},
    },
    ["files"],
)
_IMPORT_BODY = multipart_body(
    {
        "sources": {"type": "string", "format": "binary", "description": "tar.gz from GET /api/dags/"},
        "force": {"type": "boolean", "description": "accept files that fail validation"},
        "message": {"type": "string", "description": "the commit message"},
        "dry_run": {"type": "boolean", "description": "report what would change, change nothing"},
        "partial": {"type": "boolean", "description": "import the files that pass, refuse the others"},
    },
    ["sources"],
)
# A write needs the validator process (503 when it cannot be reached).
_WRITE_ERRORS = (503,)


def _access(session: Session, current: CurrentUser) -> DagCodeAccess:
    """Airflow's per-DAG access of the caller (a file is readable if all its DAGs are; docs/dag-files.md)."""
    return DagCodeAccess.of_user(session, current.user)


def _summary(report: DagFileUploadReport, force: bool) -> dict[str, Any]:
    """An upload's or import's report as the audit log keeps it (without the validations)."""
    return {
        "added": report.added,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "rejected": [{"name": r.name, "reason": r.reason} for r in report.rejected],
        "commit": report.commit,
        "force": force,
        "saved_invalid": report.forced,
    }


def _saved(audit: AuditRecord, saved: DagFileSaved, force: bool) -> DagFileSaved:
    """Fill in the audit event of a save or restore (a forced save lists the errors it kept)."""
    audit.object_id = saved.name
    audit.details |= {"revision": saved.revision, "commit": saved.commit}
    if force and not saved.validation.ok:
        audit.details |= {"saved_invalid": True, "errors": [e.message for e in saved.validation.errors]}
    return saved


# --- listing and reading ------------------------------------------------------------------------------
@router.get("")
def list_dag_files(
    current: CanRead,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=255, description="part of a file name or DAG id")] = None,
) -> DagFileList:
    """The `.py` files of the DAGs folder the caller may read, with their DAG ids and parse state."""
    return DagFileList(files=service.list_files(DagFolder.from_settings(), _access(session, current), q))


@router.post("/validate", responses=errors(400, 413, 503))
def validate_dag_file(body: DagFileSource, _: CanEdit) -> DagFileCheck:
    """Validate a candidate file without saving it (and propose an upgrade for legacy code)."""
    return service.check(body.name, body.content)


@router.post("/upgrade", responses=errors(400, 413, 503))
def upgrade_dag_file(body: DagFileSource, _: CanRead) -> UpgradeResult:
    """The automatic upgrade of Airflow 1.10-era code.

    413 above the DAG-file size limit; 422 when the rewrite hit the validator's time or memory limit.
    """
    return service.upgrade(body.name, body.content)


@router.post("", openapi_extra=_FILES_BODY, responses=errors(400, 413, 415, *_WRITE_ERRORS))
def upload_dag_files(
    current: CanCreate,
    form: UploadForm,
    audit: Annotated[AuditRecord, audited("dag_file.upload")],
) -> DagFileUploadReport:
    """Upload `.py` files in one commit; invalid and legacy files are rejected with the reason.

    Nothing accepted at all: 422 with the report next to `detail`.
    """
    uploads = uploads_of(form, "files")
    force, message = form_flag(form, "force"), form_text(form, "message")
    audit.details = {"files": [u.filename for u in uploads]}
    files = [(u.filename, u.stream) for u in uploads]
    report = batches.upload(DagFolder.from_settings(), files, current.username, force=force, message=message)
    audit.details = _summary(report, force)
    return report


@router.get("/{name:path}/history", responses=errors(400, 404))
def dag_file_history(name: str, current: CanRead, session: SessionDep) -> DagFileHistory:
    """Every revision of the file, newest first: who, when, why and what kind of change."""
    return service.history(DagFolder.from_settings(), _access(session, current), name)


@router.get("/{name:path}/revisions/{commit}", responses=errors(400, 404))
def dag_file_at(name: str, commit: str, current: CanRead, session: SessionDep) -> DagFileContentAt:
    """The file's content at a commit of its history (`HEAD`: the last commit)."""
    return service.content_at(DagFolder.from_settings(), _access(session, current), name, commit)


@router.get("/{name:path}/diff", responses=errors(400, 404))
def dag_file_diff(
    name: str,
    current: CanRead,
    session: SessionDep,
    from_: Annotated[
        str, Query(alias="from", description="a commit of the file's history; default: the last commit")
    ] = "HEAD",
    to: Annotated[str, Query(description='a commit, or "working" for the file as it is now')] = "working",
) -> DagFileDiff:
    """The unified diff between two revisions of the file (a missing side counts as empty)."""
    return service.diff(DagFolder.from_settings(), _access(session, current), name, from_, to)


@router.post("/{name:path}/restore", responses=errors(400, 404, 409, 413, *_WRITE_ERRORS))
def restore_dag_file(
    name: str,
    body: DagFileRestore,
    current: CanEdit,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("dag_file.restore", object_param="name")],
) -> DagFileSaved:
    """Make an old revision the current one (validated like a save; 409 if the file changed meanwhile)."""
    audit.details = {"commit": body.commit, "base_revision": body.base_revision, "force": body.force}
    saved = service.restore(
        DagFolder.from_settings(),
        name,
        body.commit,
        body.base_revision,
        current.username,
        force=body.force,
        access=_access(session, current),
    )
    return _saved(audit, saved, body.force)


@router.get("/{name:path}", responses=errors(400, 404))
def read_dag_file(name: str, current: CanRead, session: SessionDep) -> DagFileDetail:
    """The file's content, revision (to send back when saving) and parse state."""
    return service.describe(DagFolder.from_settings(), _access(session, current), name)


@router.put("/{name:path}", responses=errors(400, 404, 409, 413, *_WRITE_ERRORS))
def save_dag_file(
    name: str,
    body: DagFileSave,
    current: CanEdit,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("dag_file.save", object_param="name")],
) -> DagFileSaved:
    """Save (or create, with `base_revision: null`) a file: validated, committed, parsed at once.

    409 with the file as it is now when it changed since `base_revision`; 422 with the validation
    when it does not pass and `force` is not set.
    """
    audit.details = {"base_revision": body.base_revision, "force": body.force, "message": body.message}
    saved = service.save(
        DagFolder.from_settings(),
        name,
        body.content,
        body.base_revision,
        current.username,
        message=body.message,
        force=body.force,
        access=_access(session, current),
    )
    return _saved(audit, saved, body.force)


@router.delete("/{name:path}", status_code=204, responses=errors(400, 404, 409, *_WRITE_ERRORS))
def delete_dag_file(
    name: str,
    current: CanDelete,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("dag_file.delete", object_param="name")],
    base_revision: Annotated[
        str | None, Query(description="refuse (409) unless the file is still at this revision")
    ] = None,
) -> None:
    """Delete a file (a commit "Delete <name>"; its history stays)."""
    audit.details = {"base_revision": base_revision}
    change = service.delete(
        DagFolder.from_settings(), name, base_revision, current.username, access=_access(session, current)
    )
    audit.object_id = change.name
    audit.details["commit"] = change.commit


# --- the example DAGs shipped with wfo (read-only; copied to change them) ----------------------------
@examples_router.get("")
def list_dag_examples(
    current: CanRead,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=255, description="part of a name, DAG id or description")] = None,
) -> DagExampleList:
    """The example DAG files shipped with wfo the caller may read, with their DAG ids and parse state."""
    examples = example_dags.list_examples(EXAMPLES_DIR, _access(session, current), q)
    return DagExampleList(examples=examples)


@examples_router.get("/{name:path}", responses=errors(400, 404))
def read_dag_example(name: str, current: CanRead, session: SessionDep) -> DagExampleDetail:
    """An example's code (read-only: copy it to the DAGs folder to change it)."""
    return example_dags.describe_example(EXAMPLES_DIR, _access(session, current), name)


@examples_router.post(
    "/{name:path}/copy", status_code=201, responses=errors(400, 404, 409, 413, *_WRITE_ERRORS)
)
def copy_dag_example(
    name: str,
    body: DagExampleCopy,
    current: CanCreate,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("dag_file.copy")],
) -> DagExampleCopied:
    """Copy an example into the DAGs folder as a new file, saved like any new file (validated, committed).

    Its DAGs get ids of their own (named after the new file; `renamed` lists them). 409 when the DAGs
    folder has a file of that name already; 422 with the validation when the copy does not validate.
    """
    audit.details = {"example": name, "target": body.target}
    copied = example_dags.copy_example(
        DagFolder.from_settings(),
        EXAMPLES_DIR,
        _access(session, current),
        name,
        current.username,
        target=body.target,
        message=body.message,
    )
    audit.object_id = copied.name
    audit.details |= {"example": copied.example, "renamed": copied.renamed, "commit": copied.commit}
    return copied


# --- the manual's import/export: GET/POST /api/dags/ -----------------------------------------------
@compat_router.get("/", response_class=FileResponse)
def export_dag_files(
    current: BearerCanRead,
    session: SessionDep,
    include_examples: Annotated[
        bool, Query(description="also the shipped example DAGs, under `wfo-examples/` (an import skips them)")
    ] = False,
) -> Response:
    """A tar.gz of the DAGs folder's `.py` files the caller may read (no `.git`; deterministic).

    The shipped example DAGs only with `include_examples=true`; the header `X-WFO-Includes-Examples`
    says which.
    """
    access = _access(session, current)
    response = tar_gz_response(
        lambda out: batches.export_archive(
            DagFolder.from_settings(), access, out, examples=EXAMPLES_DIR if include_examples else None
        ),
        "wfo-dags-",
        "dags.tar.gz",
    )
    response.headers["X-WFO-Includes-Examples"] = "true" if include_examples else "false"
    return response


@compat_router.post("/", openapi_extra=_IMPORT_BODY, responses=errors(400, 413, 415, *_WRITE_ERRORS))
def import_dag_files(
    current: BearerCanCreate,
    form: ArchiveForm,
    audit: Annotated[AuditRecord, audited("dag_file.import")],
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
    partial: Annotated[bool, Query(description="the same as the form field `partial`")] = False,
) -> DagFileUploadReport:
    """Import a tar.gz of `.py` files (form field `sources`) in one commit, each file validated.

    All or nothing: a rejected file refuses the import (422 with the report next to `detail`: the
    rejected files and why, the others under `held_back`), unless `partial=true`, which writes the
    files that pass (422 when none does). Files equal to those in the folder are `unchanged` and not
    written. `dry_run=true` answers what the import would answer and writes nothing.
    """
    source = one_archive(form)
    force, message = form_flag(form, "force"), form_text(form, "message")
    dry_run = dry_run or form_flag(form, "dry_run")
    partial = partial or form_flag(form, "partial")
    audit.details = {"archive": source.filename, "partial": partial}
    if dry_run:
        audit.skip()
    report = batches.import_archive(
        DagFolder.from_settings(),
        source.stream,
        current.username,
        force=force,
        message=message,
        dry_run=dry_run,
        partial=partial,
        examples=EXAMPLES_DIR,
    )
    audit.details |= _summary(report, force)
    return report
