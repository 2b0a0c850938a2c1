"""`/notebooks/git`: the caller's git configuration and git actions on their notebook folder
(Developer/Admin, like the Notebooks page).

The token or SSH key of the configuration is write-only: stored encrypted, never in an answer. Every
action works on the caller's own folder only; git's refusals come back as 409 (the repository's state:
nothing to commit, pull first, a conflict with the files named) or 422 (the remote or the credential).
"""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Path, Query, Response

from wfo.auth import roles
from wfo.hub import git_config
from wfo.hub.notebook_git import NotebookRepo
from wfo.hub.schemas import (
    GitCommitCreate,
    GitCommitDetail,
    GitConfigPublic,
    GitConfigUpdate,
    GitDiff,
    GitLog,
    GitStatus,
    GitSyncResult,
)
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.errors import errors
from wfo.settings import get_settings

router = APIRouter(prefix="/notebooks/git", tags=["Notebooks"])

CanRead = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_EDIT))]
CanCreate = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(roles.NOTEBOOKS, roles.CAN_DELETE))]


def _ready(session: SessionDep, current: CurrentUser) -> tuple[NotebookRepo, git_config.GitSettings]:
    """The caller's repository, created/updated to the saved configuration (409 without one)."""
    settings = git_config.settings_for(session, current.username)
    repo = NotebookRepo.for_user(get_settings(), current.username)
    repo.ensure(settings)
    return repo, settings


@router.get("/config")
def read_config(session: SessionDep, current: CanRead) -> GitConfigPublic:
    """The caller's git configuration (which credential is stored, never its value)."""
    return git_config.read(session, current.username)


@router.put("/config", responses=errors(422))
def save_config(
    body: GitConfigUpdate,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("notebook_git_config.save")],
) -> GitConfigPublic:
    """Save the caller's git configuration; a token or key left out keeps the stored one."""
    audit.object_id = current.username
    saved = git_config.save(session, current.username, body)
    audit.details = {"remote_url": saved.remote_url, "branch": saved.branch, "credential": saved.credential}
    return saved


@router.delete("/config", status_code=204, responses=errors(404))
def delete_config(
    session: SessionDep,
    current: CanDelete,
    audit: Annotated[AuditRecord, audited("notebook_git_config.delete")],
) -> Response:
    """Forget the caller's git configuration and credential (the folder's history stays)."""
    audit.object_id = current.username
    if not git_config.delete(session, current.username):
        audit.skip()
    return Response(status_code=204)


@router.get("/status", responses=errors(409))
def status(session: SessionDep, current: CanRead) -> GitStatus:
    """Changed, added, deleted and untracked files of the caller's notebook folder."""
    repo, _ = _ready(session, current)
    return repo.status()


@router.get("/diff", responses=errors(409))
def diff(
    session: SessionDep,
    current: CanRead,
    path: Annotated[str | None, Query(max_length=1024, description="one changed file (default: all)")] = None,
) -> GitDiff:
    """What changed since the last commit; notebooks cell by cell (nbdime)."""
    repo, _ = _ready(session, current)
    return repo.diff(path)


@router.post("/commits", status_code=201, responses=errors(409))
def commit(
    body: GitCommitCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("notebook_git.commit")],
) -> GitSyncResult:
    """Commit the selected files with the configured author."""
    repo, settings = _ready(session, current)
    done = repo.commit(body.files, body.message, settings)
    audit.object_id = done.commit
    audit.details = {"files": body.files[:50]}
    return done


@router.get("/commits", responses=errors(409))
def log(session: SessionDep, current: CanRead, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> GitLog:
    """The latest commits, newest first."""
    repo, _ = _ready(session, current)
    return repo.log(limit)


@router.get("/commits/{commit}", responses=errors(404, 409))
def show(
    commit: Annotated[str, Path(max_length=64)], session: SessionDep, current: CanRead
) -> GitCommitDetail:
    """One commit with the diff of each file it changed."""
    repo, _ = _ready(session, current)
    return repo.show(commit)


@router.post("/pull", responses=errors(409, 422))
def pull(
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("notebook_git.pull")],
) -> GitSyncResult:
    """Fast-forward to the remote branch; diverged histories change nothing (409 naming the files)."""
    repo, settings = _ready(session, current)
    done = repo.pull(settings)
    audit.object_id = settings.branch
    if not done.changed:
        audit.skip()
    return done


@router.post("/push", responses=errors(409, 422))
def push(
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("notebook_git.push")],
) -> GitSyncResult:
    """Push the folder's commits to the configured branch (409 when the remote moved on: pull first)."""
    repo, settings = _ready(session, current)
    done = repo.push(settings)
    audit.object_id = settings.branch
    if not done.changed:
        audit.skip()
    return done
