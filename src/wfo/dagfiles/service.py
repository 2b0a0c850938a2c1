"""The DAG files as the API offers them: read as one user, and changed safely.

Reading goes through Airflow's per-DAG access (`wfo.dagfiles.reading`): listing, describing, history,
old revisions and diffs show only what the user may read. Every write path — save, restore, and the
batches of `wfo.dagfiles.batches` — goes through `check`: the candidate source is size-checked,
validated in the separate validator process and, when it is written for the platform of the manual
(Airflow 1.10 imports and arguments), the automatic upgrade is proposed (also computed in the validator
process, see `wfo.dagfiles.proposals`). An invalid file is written only with `force`. After a write
Airflow is asked to parse the file now, so the DAG shows up in seconds instead of at the next bundle
refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from wfo.dagfiles import proposals, reading, validation
from wfo.dagfiles.artifact_refs import missing_artifact_warnings
from wfo.dagfiles.errors import InvalidDagFileContent, ValidationFailed, ValidatorUnavailable
from wfo.dagfiles.listing import ParseState
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.schemas import (
    DagFileCheck,
    DagFileContentAt,
    DagFileDetail,
    DagFileDiff,
    DagFileHistory,
    DagFilePublic,
    DagFileRevision,
    DagFileSaved,
    HistoryAction,
    UpgradeResult,
)
from wfo.dagfiles.store import Change, DagFile, DagFolder, check_name, encode_source

log = logging.getLogger(__name__)


# --- reading as one user ----------------------------------------------------------------------------------
def file_public(info: DagFile, state: ParseState) -> DagFilePublic:
    """What a user sees of a stored DAG file and its parse state (examples add their description)."""
    return DagFilePublic(
        name=info.name,
        size=info.size,
        modified=info.modified,
        revision=info.revision,
        dag_ids=state.dag_ids,
        state=state.state,
        error=state.error,
    )


def list_files(folder: DagFolder, access: DagCodeAccess, query: str | None = None) -> list[DagFilePublic]:
    """The `.py` files the user may read, with their DAG ids and parse state.

    `query` keeps the files whose name or one of whose DAG ids contains it (case-insensitive).
    """
    needle = (query or "").lower()
    return [
        file_public(entry.file, entry.state)
        for entry in reading.list_files(folder, access)
        if needle in entry.file.name.lower() or any(needle in dag_id.lower() for dag_id in entry.state.dag_ids)
    ]


def describe(folder: DagFolder, access: DagCodeAccess, name: str) -> DagFileDetail:
    """A file's content, revision (to send back when saving), parse state, and whether it is legacy code."""
    info, content, state = reading.read(folder, access, name)
    return DagFileDetail(
        **file_public(info, state).model_dump(), content=content, legacy=is_legacy(info.name, content)
    )


def history(folder: DagFolder, access: DagCodeAccess, name: str) -> DagFileHistory:
    """Every revision of the file, newest first: who, when, why and what kind of change."""
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
            for r in reading.history(folder, access, name)
        ]
    )


def content_at(folder: DagFolder, access: DagCodeAccess, name: str, commit: str) -> DagFileContentAt:
    """The file's content at a commit of its history (`HEAD`: the last commit)."""
    full, content = reading.content_at(folder, access, name, commit)
    return DagFileContentAt(commit=full, content=content)


def diff(folder: DagFolder, access: DagCodeAccess, name: str, from_commit: str, to: str) -> DagFileDiff:
    """The unified diff between two revisions of the file (a missing side counts as empty)."""
    text, before, after = reading.diff(folder, access, name, from_commit, to)
    return DagFileDiff(diff=text, from_content=before, to_content=after)


# --- checking candidate code ----------------------------------------------------------------------------
def check(name: str, content: str) -> DagFileCheck:
    """Validate `content` as the DAG file `name` and propose an upgrade if it is legacy code.

    `InvalidDagFileName` or `DagFileTooLarge` before anything is parsed; both parses run in the
    validator process. Code artifacts the tasks use that the repository lacks are warnings.
    """
    name = check_name(name)
    encode_source(name, content)
    verdict = missing_artifact_warnings(validation.validate_source(name, content), content)
    return DagFileCheck(validation=verdict, upgrade=proposals.proposal(name, content))


def upgrade(name: str, content: str) -> UpgradeResult:
    """The automatic upgrade of `content` (`UpgradeFailed` when the validator's limits stopped it)."""
    name = check_name(name)
    encode_source(name, content)
    return proposals.upgrade(name, content)


def is_legacy(name: str, content: str) -> bool:
    """Whether a stored file is legacy code with an upgrade to propose (cached by content).

    Reading a file never fails for this: a file too large to check (put there by hand) or a validator
    that cannot be reached just means no proposal.
    """
    try:
        encode_source(name, content)
        return proposals.is_legacy(name, content)
    except InvalidDagFileContent:
        return False
    except ValidatorUnavailable as exc:
        log.warning("no upgrade check for %s: %s", name, exc)
        return False


def request_parse(names: Sequence[str]) -> None:
    """Ask Airflow's DAG processor to parse these files now (the bundle refresh would also find them)."""
    from sqlalchemy.exc import SQLAlchemyError

    from wfo.dagfiles.parsing import request_priority_parse

    for name in names:
        try:
            request_priority_parse(name)
        except SQLAlchemyError as exc:
            # The write is done; the next bundle refresh parses the file anyway, only later.
            log.warning("could not request a priority parse of %s: %s", name, exc)


# --- changing one file ----------------------------------------------------------------------------------
def save(
    folder: DagFolder,
    name: str,
    content: str,
    base_revision: str | None,
    author: str,
    *,
    message: str | None = None,
    force: bool = False,
    action: str | None = None,
    access: DagCodeAccess | None = None,
) -> DagFileSaved:
    """Validate, then write one file if still at `base_revision`; `ValidationFailed` unless `force`.

    With `access`, an existing file the user may not read is reported missing (`wfo.dagfiles.reading`).
    """
    name = check_name(name)
    if access is not None:
        reading.require_readable(folder, access, name)
    verdict = check(name, content)
    if not verdict.ok and not force:
        raise ValidationFailed(name, verdict)
    change = folder.save(name, content, base_revision, author, message=message, action=action)
    if change.commit is not None:
        request_parse([name])
    return DagFileSaved(
        name=change.name, revision=change.revision, commit=change.commit, validation=verdict.validation
    )


def restore(
    folder: DagFolder,
    name: str,
    commit: str,
    base_revision: str | None,
    author: str,
    *,
    force: bool = False,
    access: DagCodeAccess | None = None,
) -> DagFileSaved:
    """Make the content of `commit` the file's new revision (validated like a save)."""
    if access is not None:
        full, content = reading.content_at(folder, access, name, commit)
    else:
        full, content = folder.content_at(name, commit)
    return save(
        folder,
        name,
        content,
        base_revision,
        author,
        message=f"Restore {check_name(name)} from {full[:12]}",
        force=force,
        action="restore",
        access=access,
    )


def delete(
    folder: DagFolder,
    name: str,
    base_revision: str | None,
    author: str,
    *,
    access: DagCodeAccess | None = None,
) -> Change:
    """Delete a file (a commit "Delete <name>"; its history stays)."""
    if access is not None:
        reading.require_readable(folder, access, name)
    change = folder.delete(name, base_revision, author)
    request_parse([change.name])
    return change
