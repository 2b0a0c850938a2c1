"""`/notebooks`: the hub login (single sign-on ticket) and the Notebooks page (Developer/Admin).

The page lists the user's own notebooks (their root on the hub) and those of `common_workspace`, uploads,
downloads, deletes, and shows one read-only: nbconvert's HTML served with a sandboxing Content-Security-
Policy (notebook output is untrusted HTML: no scripts, no requests, no forms run in it).
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from wfo.auth import roles
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.store import DagFolder
from wfo.hub import schedules, service
from wfo.hub.errors import NotANotebook
from wfo.hub.parameters import declared_parameters
from wfo.hub.schemas import (
    Folder,
    NextRuns,
    NotebookEntry,
    NotebookList,
    NotebookLogin,
    NotebookParameters,
    NotebookRuns,
    NotebookScheduleCreate,
    NotebookScheduleList,
    NotebookScheduleSaved,
)
from wfo.notebooks.workspace import MAX_NOTEBOOK_BYTES, NotebookWorkspace
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.downloads import attachment
from wfo.plugin.errors import errors
from wfo.plugin.uploads import form_text, multipart_body, multipart_form, uploads_of
from wfo.settings import get_settings

router = APIRouter(prefix="/notebooks", tags=["Notebooks"])

CanRead = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_READ))]
CanCreate = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_DELETE))]
UploadForm = Annotated[FormData, Depends(multipart_form(MAX_NOTEBOOK_BYTES + 1024 * 1024))]
NotebookPath = Annotated[str, Path(max_length=1024, description="path inside the folder, e.g. team/q3.ipynb")]
RootPath = Annotated[
    str,
    Query(max_length=1024, description="relative to the notebook root, e.g. common_workspace/report.ipynb"),
]
_UPLOAD_BODY = multipart_body(
    {
        "file": {"type": "string", "format": "binary"},
        "folder": {"type": "string", "enum": ["own", "common"]},
        "path": {"type": "string", "description": "where to store it (default: the file's name)"},
    },
    ["file", "folder"],
)
_ROOT_UPLOAD_BODY = multipart_body(
    {
        "file": {"type": "string", "format": "binary"},
        "path": {
            "type": "string",
            "description": "relative to the notebook root: common_workspace/report.ipynb, or team/q3.ipynb "
            "(your own folder)",
        },
    },
    ["file", "path"],
)
# Notebook output is untrusted: no script runs, nothing is fetched, the page is its own opaque origin.
VIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


def _workspace() -> NotebookWorkspace:
    return NotebookWorkspace.from_settings()


@router.post("/login", responses=errors(503))
def login(current: CanRead, audit: Annotated[AuditRecord, audited("notebook_ticket.issue")]) -> NotebookLogin:
    """A link that logs the current user in to JupyterHub (valid 60 s, once); the hub audits the login."""
    audit.object_id = current.username
    return service.login(get_settings(), current.username)


@router.get("")
def list_notebooks(current: CanRead) -> NotebookList:
    """The caller's own notebooks and those of common_workspace."""
    return service.list_notebooks(get_settings(), current.username, _workspace())


def _read_upload(form: FormData) -> bytes:
    files = uploads_of(form, "file")
    if len(files) != 1:
        raise NotANotebook("send one notebook in the field 'file'")
    data = files[0].stream.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotANotebook(f"a notebook may be at most {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MiB")
    return data


@router.post("", status_code=201, openapi_extra=_ROOT_UPLOAD_BODY, responses=errors(400, 413))
def create(
    current: CanCreate, form: UploadForm, audit: Annotated[AuditRecord, audited("notebook.upload")]
) -> NotebookEntry:
    """Store one notebook (field `file`) at `path` relative to the notebook root (the hub's view: your
    folder, with common_workspace inside it)."""
    folder, path = service.folder_of(form_text(form, "path") or "")
    audit.object_id = f"{folder}:{path}"[:500]
    data = _read_upload(form)
    entry = service.upload_notebook(get_settings(), current.username, _workspace(), folder, path, data)
    audit.object_id = f"{entry.folder}:{entry.path}"
    audit.details = {"size": entry.size}
    return entry


@router.get(
    "/content",
    response_class=Response,
    responses={
        200: {"content": {"application/x-ipynb+json": {}}, "description": "the .ipynb"},
        **errors(404),
    },
)
def content(current: CanRead, path: RootPath) -> Response:
    """The notebook at `path` (relative to the notebook root, e.g. a run's `output`) as .ipynb."""
    folder, relative = service.folder_of(path)
    data = service.read_notebook(get_settings(), current.username, _workspace(), folder, relative)
    return Response(
        data, media_type="application/x-ipynb+json", headers={"X-Content-Type-Options": "nosniff"}
    )


@router.get("/parameters", responses=errors(404))
def parameters(current: CanRead, path: RootPath) -> NotebookParameters:
    """The names, types and defaults the notebook's `parameters` cell declares (for the Schedule form)."""
    folder, relative = service.folder_of(path)
    data = service.read_notebook(get_settings(), current.username, _workspace(), folder, relative)
    from wfo.notebooks.workspace import parse_notebook

    return NotebookParameters(notebook=path, parameters=declared_parameters(parse_notebook(data, path)))


@router.get("/schedules/next-runs")
def next_runs(
    _: CanRead, schedule: Annotated[str, Query(max_length=200, description='"@once" or a cron expression')]
) -> NextRuns:
    """When a schedule would run next (five times, UTC); 422 for an expression that is not cron."""
    return NextRuns(schedule=schedule, next_runs=schedules.next_runs(schedule))


@router.get("/schedules")
def list_schedules(session: SessionDep, current: CanRead) -> NotebookScheduleList:
    """The notebook schedules whose DAG file the caller may read."""
    access = DagCodeAccess.of_user(session, current.user)
    found = schedules.list_schedules(DagFolder.from_settings(), get_settings().base_url, access)
    return NotebookScheduleList(schedules=found)


@router.post("/schedules", status_code=201, responses=errors(404, 409, 422, 503))
def save_schedule(
    body: NotebookScheduleCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("notebook_schedule.save")],
) -> NotebookScheduleSaved:
    """Create, or rewrite, the notebook's schedule: a DAG file saved through the DAG-files service (validated,
    committed with you as author, parsed at once). Answers when the DAG can be triggered."""
    audit.object_id = body.notebook[:500]
    saved = schedules.save_schedule(
        session,
        DagFolder.from_settings(),
        _workspace(),
        body,
        current.username,
        get_settings().base_url,
        # An existing schedule file the user may not read (Airflow's per-DAG access) is reported missing.
        access=DagCodeAccess.of_user(session, current.user),
    )
    audit.object_id = saved.dag_id
    audit.details = {"notebook": saved.notebook, "schedule": saved.schedule, "file": saved.file}
    return saved


@router.delete("/schedules/{dag_id}", status_code=204, responses=errors(404))
def delete_schedule(
    dag_id: Annotated[str, Path(max_length=250)],
    session: SessionDep,
    current: CanDelete,
    audit: Annotated[AuditRecord, audited("notebook_schedule.delete", object_param="dag_id")],
) -> Response:
    """Delete the schedule's DAG file (its history stays); the outputs of past runs stay."""
    access = DagCodeAccess.of_user(session, current.user)
    schedules.delete_schedule(DagFolder.from_settings(), dag_id, current.username, access)
    return Response(status_code=204)


@router.get("/runs", responses=errors(422))
def runs(
    session: SessionDep,
    _: CanRead,
    notebook: Annotated[str, Query(max_length=1024, description="e.g. common_workspace/report.ipynb")],
) -> NotebookRuns:
    """The runs of the notebook's schedule, newest first; `output` opens with GET /notebooks/content."""
    return schedules.list_runs(session, DagFolder.from_settings(), notebook)


@router.post("/uploads", status_code=201, openapi_extra=_UPLOAD_BODY, responses=errors(400, 413))
def upload(
    current: CanCreate, form: UploadForm, audit: Annotated[AuditRecord, audited("notebook.upload")]
) -> NotebookEntry:
    """Store one notebook (field `file`) in `folder` (own or common), at `path` or under its own name."""
    files = uploads_of(form, "file")
    if len(files) != 1:
        raise NotANotebook("send one notebook in the field 'file'")
    given = form_text(form, "folder")
    if given not in ("own", "common"):
        raise NotANotebook("the field 'folder' must be own or common")
    folder: Folder = "own" if given == "own" else "common"
    path = form_text(form, "path") or files[0].filename
    audit.object_id = f"{folder}:{path}"[:500]
    data = files[0].stream.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotANotebook(f"a notebook may be at most {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MiB")
    entry = service.upload_notebook(get_settings(), current.username, _workspace(), folder, path, data)
    audit.object_id = f"{entry.folder}:{entry.path}"
    audit.details = {"size": entry.size}
    return entry


@router.get("/files/{folder}/{path:path}", response_class=Response, responses=errors(404))
def download(current: CanRead, folder: Folder, path: NotebookPath) -> Response:
    data = service.read_notebook(get_settings(), current.username, _workspace(), folder, path)
    return Response(
        data,
        media_type="application/x-ipynb+json",
        headers={
            "Content-Disposition": attachment(path.rsplit("/", 1)[-1]),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/files/{folder}/{path:path}", status_code=204, responses=errors(404))
def delete(
    current: CanDelete,
    folder: Folder,
    path: NotebookPath,
    audit: Annotated[AuditRecord, audited("notebook.delete")],
) -> Response:
    deleted = service.delete_notebook(get_settings(), current.username, _workspace(), folder, path)
    audit.object_id = f"{folder}:{deleted}"
    return Response(status_code=204)


# response_class=Response: with HTMLResponse FastAPI documents the JSON errors as text/html too.
@router.get(
    "/view/{folder}/{path:path}",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The notebook as HTML"}, **errors(404)},
)
def view(current: CanRead, folder: Folder, path: NotebookPath) -> HTMLResponse:
    """The notebook rendered read-only (served sandboxed: its output cannot run scripts)."""
    data = service.read_notebook(get_settings(), current.username, _workspace(), folder, path)
    html = service.render_html(data, path)
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": VIEW_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
