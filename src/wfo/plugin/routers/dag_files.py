"""Routes of the DAGs folder (list, read, validate, save with review, history) and `/api/dags/`.

`compat_router` is mounted by `wfo.plugin.compat` at `/api/dags` (Bearer tokens only). File names
are relative paths (`team/etl.py`), hence the `{name:path}` parameters; the routes with a suffix
(`/history`, `/diff` ...) are declared before the bare `{name:path}` ones so they match first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, NoReturn, cast

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from wfo.audit.service import record, record_separately
from wfo.auth import roles
from wfo.dagfiles import reading, service
from wfo.dagfiles.gitrepo import GitError
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.store import (
    DagFileError,
    DagFileNotFound,
    DagFileTooLarge,
    DagFolder,
    InvalidDagFileName,
    RevisionConflict,
    check_name,
)
from wfo.dagfiles.validation import UpgradeFailed, ValidatorUnavailable
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.routers.files import (
    form_flag,
    multipart_body,
    multipart_form,
    one_archive,
    refuse_import,
    status_for,
    tar_gz_response,
    uploads_of,
)
from wfo.plugin.schemas_dagfiles import (
    DagFileCheck,
    DagFileContentAt,
    DagFileDetail,
    DagFileDiff,
    DagFileHistory,
    DagFileList,
    DagFilePublic,
    DagFileRestore,
    DagFileRevision,
    DagFileSave,
    DagFileSaved,
    DagFileSource,
    DagFileUploadReport,
    HistoryAction,
)
from wfo.storage.errors import StorageError
from wfo.storage.limits import MiB

router = APIRouter(prefix="/dag-files", tags=["DAG files"])
compat_router = APIRouter(tags=["import/export"])

RESOURCE = roles.DAG_FILES
OBJECT = "dag_file"
CanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_EDIT))]
CanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_DELETE))]
BearerCanRead = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_READ, bearer_only=True))]
BearerCanCreate = Annotated[CurrentUser, Depends(require(RESOURCE, roles.CAN_CREATE, bearer_only=True))]
UploadForm = Annotated[FormData, Depends(multipart_form(256 * MiB))]
ArchiveForm = Annotated[FormData, Depends(multipart_form(service.IMPORT_LIMITS.max_total_bytes))]
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
    },
    ["sources"],
)


def _status(exc: Exception) -> int:
    if isinstance(exc, InvalidDagFileName):
        return 400
    if isinstance(exc, DagFileNotFound):
        return 404
    if isinstance(exc, RevisionConflict):
        return 409
    if isinstance(exc, DagFileTooLarge):
        return 413
    if isinstance(exc, ValidatorUnavailable):
        return 503
    if isinstance(exc, GitError):
        return 500
    if isinstance(exc, StorageError):
        return status_for(exc)
    return 422


def _detail(exc: Exception) -> Any:
    if isinstance(exc, RevisionConflict | service.ValidationFailed):
        return exc.details
    return str(exc)


def _fail(exc: Exception) -> NoReturn:
    """Answer a read that failed (nothing to audit)."""
    raise HTTPException(_status(exc), detail=_detail(exc)) from None


def _refuse(exc: Exception, current: CurrentUser, action: str, name: str | None, **details: Any) -> NoReturn:
    """Record a refused or failed change in the audit log, then answer with its status and reason."""
    record_separately(current.actor, action, OBJECT, name, "failure", {**details, "error": str(exc)})
    _fail(exc)


_WRITE_ERRORS = (DagFileError, StorageError, GitError, ValidatorUnavailable)


def _text(form: FormData, field: str) -> str | None:
    value = form.get(field)
    if isinstance(value, UploadFile):
        raise HTTPException(422, detail=f"the field {field!r} must be text")
    return value or None


def _access(session: Any, current: CurrentUser) -> DagCodeAccess:
    """Airflow's per-DAG access of the caller (a file is readable if all its DAGs are; docs/dag-files.md)."""
    return DagCodeAccess.of_user(session, current.user)


# --- listing and reading ------------------------------------------------------------------------------
@router.get("", response_model=DagFileList)
def list_dag_files(
    current: CanRead,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=255, description="part of a file name or DAG id")] = None,
) -> DagFileList:
    """The `.py` files of the DAGs folder the caller may read, with their DAG ids and parse state."""
    listed = [
        DagFilePublic(
            name=entry.file.name,
            size=entry.file.size,
            modified=entry.file.modified,
            revision=entry.file.revision,
            dag_ids=entry.state.dag_ids,
            state=entry.state.state,
            error=entry.state.error,
        )
        for entry in reading.list_files(DagFolder.from_settings(), _access(session, current))
    ]
    if q:
        needle = q.lower()
        listed = [
            f for f in listed if needle in f.name.lower() or any(needle in d.lower() for d in f.dag_ids)
        ]
    return DagFileList(files=listed)


@router.post("/validate", response_model=DagFileCheck)
def validate_dag_file(body: DagFileSource, _: CanEdit) -> DagFileCheck:
    """Validate a candidate file without saving it (and propose an upgrade for legacy code)."""
    try:
        verdict = service.check(check_name(body.name), body.content)
    except (DagFileError, ValidatorUnavailable) as exc:
        _fail(exc)
    return DagFileCheck(validation=verdict.validation, upgrade=verdict.upgrade)


@router.post("/upgrade")
def upgrade_dag_file(body: DagFileSource, _: CanRead) -> dict[str, Any]:
    """The automatic upgrade of Airflow 1.10-era code (`UpgradeResult`: changed, source, diff, issues).

    413 above the DAG-file size limit; 422 when the rewrite hit the validator's time or memory limit.
    """
    try:
        return service.upgrade(body.name, body.content)
    except (DagFileError, ValidatorUnavailable, UpgradeFailed) as exc:
        _fail(exc)


@router.post("", response_model=DagFileUploadReport, openapi_extra=_FILES_BODY)
def upload_dag_files(current: CanCreate, form: UploadForm, session: SessionDep) -> Response:
    """Upload `.py` files in one commit; invalid and legacy files are rejected with the reason."""
    uploads = uploads_of(form, "files")
    files = [(u.filename, u.stream) for u in uploads]
    return _commit_files(
        current,
        session,
        form,
        "dag_files.upload",
        {"files": [u.filename for u in uploads]},
        lambda force, message: service.upload(
            DagFolder.from_settings(), files, current.username, force=force, message=message
        ),
        audit_details_on_success=False,
    )


def _commit_files(
    current: CurrentUser,
    session: Any,
    form: FormData,
    action: str,
    details: dict[str, Any],
    write: Callable[[bool, str | None], dict[str, Any]],
    *,
    audit_details_on_success: bool = True,
) -> Response:
    """Run an upload or import (`write(force, message)`), audit it and answer with its report.

    Nothing imported at all is a 422 with the report (which files were rejected and why).
    """
    force = form_flag(form, "force")
    try:
        report = write(force, _text(form, "message"))
    except service.NothingImported as exc:
        rejected = [{"name": r["name"], "reason": r["reason"]} for r in exc.report["rejected"]]
        return refuse_import(exc, current, action, OBJECT, details, rejected, exc.report)
    except _WRITE_ERRORS as exc:
        _refuse(exc, current, action, None, **details)
    audit = {**(details if audit_details_on_success else {}), **_audit_report(report, force)}
    record(session, current.actor, action, OBJECT, None, "success", audit)
    return JSONResponse(DagFileUploadReport.model_validate(report).model_dump())


def _audit_report(report: dict[str, Any], force: bool) -> dict[str, Any]:
    return {
        "added": report["added"],
        "changed": report["changed"],
        "unchanged": report["unchanged"],
        "rejected": [{"name": r["name"], "reason": r["reason"]} for r in report["rejected"]],
        "commit": report.get("commit"),
        "force": force,
        "saved_invalid": report.get("forced", []),
    }


@router.get("/{name:path}/history", response_model=DagFileHistory)
def dag_file_history(name: str, current: CanRead, session: SessionDep) -> DagFileHistory:
    """Every revision of the file, newest first: who, when, why and what kind of change."""
    try:
        revisions = reading.history(DagFolder.from_settings(), _access(session, current), name)
    except (DagFileError, GitError) as exc:
        _fail(exc)
    return DagFileHistory(
        revisions=[
            DagFileRevision(
                commit=r.commit,
                revision=r.revision,
                author=r.author,
                time=datetime.fromisoformat(r.time),
                message=r.message,
                action=cast(HistoryAction, r.action),
            )
            for r in revisions
        ]
    )


@router.get("/{name:path}/revisions/{commit}", response_model=DagFileContentAt)
def dag_file_at(name: str, commit: str, current: CanRead, session: SessionDep) -> DagFileContentAt:
    """The file's content at a commit of its history (`HEAD`: the last commit)."""
    try:
        full, content = reading.content_at(DagFolder.from_settings(), _access(session, current), name, commit)
    except (DagFileError, GitError) as exc:
        _fail(exc)
    return DagFileContentAt(commit=full, content=content)


@router.get("/{name:path}/diff", response_model=DagFileDiff)
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
    try:
        access = _access(session, current)
        diff, before, after = reading.diff(DagFolder.from_settings(), access, name, from_, to)
    except (DagFileError, GitError) as exc:
        _fail(exc)
    return DagFileDiff(diff=diff, from_content=before, to_content=after)


@router.post("/{name:path}/restore", response_model=DagFileSaved)
def restore_dag_file(name: str, body: DagFileRestore, current: CanEdit, session: SessionDep) -> DagFileSaved:
    """Make an old revision the current one (validated like a save; 409 if the file changed meanwhile)."""
    details = {"commit": body.commit, "base_revision": body.base_revision, "force": body.force}
    return _save(
        current,
        session,
        "dag_files.restore",
        name,
        details,
        lambda: service.restore(
            DagFolder.from_settings(),
            name,
            body.commit,
            body.base_revision,
            current.username,
            force=body.force,
            access=_access(session, current),
        ),
    )


def _save(
    current: CurrentUser,
    session: Any,
    action: str,
    name: str,
    details: dict[str, Any],
    write: Callable[[], service.Saved],
) -> DagFileSaved:
    """Run a save or restore, audit it (a forced save lists the errors it kept) and answer with the result."""
    try:
        saved = write()
    except _WRITE_ERRORS as exc:
        _refuse(exc, current, action, name, **details)
    change = saved.change
    audit = {**details, "revision": change.revision, "commit": change.commit}
    if saved.forced:
        audit["saved_invalid"] = True
        audit["errors"] = [e.get("message") for e in saved.check.validation.get("errors", [])]
    record(session, current.actor, action, OBJECT, change.name, "success", audit)
    return DagFileSaved(
        name=change.name, revision=change.revision, commit=change.commit, validation=saved.check.validation
    )


@router.get("/{name:path}", response_model=DagFileDetail)
def read_dag_file(name: str, current: CanRead, session: SessionDep) -> DagFileDetail:
    """The file's content, revision (to send back when saving) and parse state."""
    try:
        info, content, state = reading.read(DagFolder.from_settings(), _access(session, current), name)
        legacy = service.is_legacy(info.name, content)
    except DagFileError as exc:
        _fail(exc)
    return DagFileDetail(
        name=info.name,
        size=info.size,
        modified=info.modified,
        revision=info.revision,
        dag_ids=state.dag_ids,
        state=state.state,
        error=state.error,
        content=content,
        legacy=legacy,
    )


@router.put("/{name:path}", response_model=DagFileSaved)
def save_dag_file(name: str, body: DagFileSave, current: CanEdit, session: SessionDep) -> DagFileSaved:
    """Save (or create, with `base_revision: null`) a file: validated, committed, parsed at once."""
    details = {"base_revision": body.base_revision, "force": body.force, "message": body.message}
    return _save(
        current,
        session,
        "dag_files.save",
        name,
        details,
        lambda: service.save(
            DagFolder.from_settings(),
            name,
            body.content,
            body.base_revision,
            current.username,
            message=body.message,
            force=body.force,
            access=_access(session, current),
        ),
    )


@router.delete("/{name:path}", status_code=204)
def delete_dag_file(
    name: str,
    current: CanDelete,
    session: SessionDep,
    base_revision: Annotated[
        str | None, Query(description="refuse (409) unless the file is still at this revision")
    ] = None,
) -> None:
    """Delete a file (a commit "Delete <name>"; its history stays)."""
    try:
        change = service.delete(
            DagFolder.from_settings(), name, base_revision, current.username, access=_access(session, current)
        )
    except _WRITE_ERRORS as exc:
        _refuse(exc, current, "dag_files.delete", name, base_revision=base_revision)
    record(
        session, current.actor, "dag_files.delete", OBJECT, change.name, "success", {"commit": change.commit}
    )


# --- the manual's import/export: GET/POST /api/dags/ -----------------------------------------------
@compat_router.get("/", response_class=FileResponse)
def export_dag_files(current: BearerCanRead, session: SessionDep) -> Response:
    """A tar.gz of the DAGs folder's `.py` files the caller may read (no `.git`; deterministic)."""
    access = _access(session, current)
    try:
        return tar_gz_response(
            lambda out: reading.export_tar_gz(DagFolder.from_settings(), access, out),
            "wfo-dags-",
            "dags.tar.gz",
        )
    except StorageError as exc:
        _fail(exc)


@compat_router.post("/", response_model=DagFileUploadReport, openapi_extra=_IMPORT_BODY)
def import_dag_files(current: BearerCanCreate, form: ArchiveForm, session: SessionDep) -> Response:
    """Import a tar.gz of `.py` files (form field `sources`) in one commit, each file validated."""
    source = one_archive(form)
    return _commit_files(
        current,
        session,
        form,
        "dag_files.import",
        {"archive": source.filename},
        lambda force, message: service.import_archive(
            DagFolder.from_settings(), source.stream, current.username, force=force, message=message
        ),
    )
