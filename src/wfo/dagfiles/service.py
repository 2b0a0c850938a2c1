"""Changing DAG files safely: validate (and propose upgrades) before writing, parse right after.

Every write path — save, upload, restore, archive import — goes through `check`: the candidate
source is size-checked, validated in the separate validator process and, when it is written for the
platform of the manual (Airflow 1.10 imports and arguments), the automatic upgrade is proposed (also
computed in the validator process, see `wfo.dagfiles.proposals`). An invalid file is written only
with `force`. After a write Airflow is asked to parse the file now, so the DAG shows up in seconds
instead of at the next bundle refresh.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from wfo.dagfiles.store import (
    MAX_FILE_BYTES,
    Change,
    DagFileError,
    DagFolder,
    InvalidDagFileContent,
    InvalidDagFileName,
    check_name,
    decode_source,
    encode_source,
)
from wfo.storage.archives import ArchiveLimits, extract_archive
from wfo.storage.errors import FileTooLargeError
from wfo.storage.limits import MiB, read_limited

if TYPE_CHECKING:
    from wfo.dagfiles.reading import DagCodeAccess

log = logging.getLogger(__name__)

# An archive of DAG files: code, not data.
MAX_FILES_PER_UPLOAD = 100
IMPORT_LIMITS = ArchiveLimits(
    max_members=2_000, max_total_bytes=256 * MiB, max_member_bytes=MAX_FILE_BYTES
)


@dataclass(frozen=True)
class Check:
    """The validator's verdict on one source, plus the proposed upgrade when it is legacy code."""

    validation: dict[str, Any]
    upgrade: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return bool(self.validation.get("ok"))

    @property
    def accepted(self) -> bool:
        """Fit for upload without `force`: valid and not legacy code."""
        return self.ok and self.upgrade is None


class ValidationFailed(DagFileError):
    """The file does not pass validation and `force` was not given; nothing was written."""

    def __init__(self, name: str, check: Check) -> None:
        count = len(check.validation.get("errors", []))
        super().__init__(
            f"{name!r} did not pass validation ({count} error{'s' if count != 1 else ''}); fix it, "
            "or save it anyway with force"
        )
        self.details = {"message": str(self), "validation": check.validation, "upgrade": check.upgrade}


class NothingImported(DagFileError):
    """Every file of an upload or import was rejected; nothing was written."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(f"no file was accepted: {len(report['rejected'])} rejected")
        self.report = report


def check(name: str, content: str) -> Check:
    """Validate `content` as the DAG file `name` and propose an upgrade if it is legacy code.

    `DagFileTooLarge` before anything is parsed; both parses run in the validator process.
    """
    from wfo.dagfiles import proposals
    from wfo.dagfiles.validation import validate_source

    encode_source(name, content)
    validation = validate_source(name, content).as_dict()
    return Check(validation, proposals.proposal(name, content))


def upgrade(name: str, content: str) -> dict[str, Any]:
    """The automatic upgrade of `content` (`UpgradeFailed` when the validator's limits stopped it)."""
    from wfo.dagfiles import proposals

    name = check_name(name)
    encode_source(name, content)
    return proposals.upgrade(name, content)


def is_legacy(name: str, content: str) -> bool:
    """Whether a stored file is legacy code with an upgrade to propose (cached by content).

    Reading a file never fails for this: a file too large to check (put there by hand) or a validator
    that cannot be reached just means no proposal.
    """
    from wfo.dagfiles import proposals
    from wfo.dagfiles.validation import ValidatorUnavailable

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


@dataclass(frozen=True)
class Saved:
    change: Change
    check: Check
    forced: bool


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
) -> Saved:
    """Validate, then write one file if still at `base_revision`; `ValidationFailed` unless `force`.

    With `access`, an existing file the user may not read is reported missing (`wfo.dagfiles.reading`).
    """
    name = check_name(name)
    if access is not None:
        from wfo.dagfiles.reading import require_readable

        require_readable(folder, access, name)
    verdict = check(name, content)
    if not verdict.ok and not force:
        raise ValidationFailed(name, verdict)
    change = folder.save(name, content, base_revision, author, message=message, action=action)
    if change.commit is not None:
        request_parse([name])
    return Saved(change, verdict, forced=force and not verdict.ok)


def restore(
    folder: DagFolder,
    name: str,
    commit: str,
    base_revision: str | None,
    author: str,
    *,
    force: bool = False,
    access: DagCodeAccess | None = None,
) -> Saved:
    """Make the content of `commit` the file's new revision (validated like a save)."""
    if access is not None:
        from wfo.dagfiles.reading import content_at

        full, content = content_at(folder, access, name, commit)
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
    if access is not None:
        from wfo.dagfiles.reading import require_readable

        require_readable(folder, access, name)
    change = folder.delete(name, base_revision, author)
    request_parse([change.name])
    return change


@dataclass
class Batch:
    """Files of one upload or import: what is accepted, what is rejected and why."""

    accepted: dict[str, str] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)

    def reject(self, name: str, reason: str, verdict: Check | None = None) -> None:
        self.rejected.append(
            {
                "name": name,
                "reason": reason,
                "validation": verdict.validation if verdict else None,
                "upgrade": verdict.upgrade if verdict else None,
            }
        )

    def consider(self, raw_name: str, data: bytes, force: bool) -> None:
        try:
            name = check_name(raw_name)
            content = decode_source(name, data)
        except (InvalidDagFileName, InvalidDagFileContent) as exc:
            self.reject(raw_name, str(exc))
            return
        if name in self.accepted or any(r["name"] == name for r in self.rejected):
            self.reject(name, f"{name!r} is sent twice")
            return
        verdict = check(name, content)
        if verdict.accepted or force:
            self.accepted[name] = content
            if not verdict.accepted:
                self.forced.append(name)
        elif not verdict.ok:
            self.reject(name, "the file did not pass validation", verdict)
        else:
            self.reject(name, "the file is written for Airflow 1.10: review the proposed upgrade", verdict)


def write_batch(
    folder: DagFolder, batch: Batch, author: str, *, action: str, message: str | None
) -> dict[str, Any]:
    """Write the accepted files in one commit; the report says what happened to every file."""
    report: dict[str, Any] = {"added": [], "changed": [], "unchanged": [], "rejected": batch.rejected}
    if batch.accepted:
        names = ", ".join(sorted(batch.accepted))
        default = f"{'Import' if action == 'import' else 'Upload'} {names}"
        result = folder.write_many(batch.accepted, author, message=message or default, action=action)
        report.update(added=result.added, changed=result.changed, unchanged=result.unchanged)
        report["commit"] = result.commit
        request_parse([*result.added, *result.changed])
    report["forced"] = batch.forced
    if not batch.accepted and batch.rejected:
        raise NothingImported(report)
    return report


def upload(
    folder: DagFolder,
    files: Sequence[tuple[str, BinaryIO]],
    author: str,
    *,
    force: bool = False,
    message: str | None = None,
) -> dict[str, Any]:
    """Upload `.py` files (name, stream): invalid or legacy ones are rejected unless forced."""
    if not files:
        raise InvalidDagFileContent("no files were uploaded (send them in the multipart field `files`)")
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise InvalidDagFileContent(f"at most {MAX_FILES_PER_UPLOAD} files can be uploaded at once")
    batch = Batch()
    for raw_name, stream in files:
        try:
            data = read_limited(stream, MAX_FILE_BYTES, what=f"the file {raw_name!r}")
        except FileTooLargeError as exc:
            batch.reject(raw_name, str(exc))
            continue
        batch.consider(raw_name, data, force)
    return write_batch(folder, batch, author, action="upload", message=message)


def import_archive(
    folder: DagFolder, source: BinaryIO, author: str, *, force: bool = False, message: str | None = None
) -> dict[str, Any]:
    """Import a tar.gz (or zip) of `.py` files in one commit.

    The archive is first extracted into a scratch folder with every safety check of
    `wfo.storage.archives` (links, `..`, absolute names, member count and sizes, `.py` only): an
    unsafe archive raises `StorageError` before anything reaches the DAGs folder.
    """
    scratch = Path(tempfile.mkdtemp(prefix="wfo-dags-import-"))
    try:
        target = scratch / "dags"
        entries = extract_archive(source, target, limits=IMPORT_LIMITS, allowed_extensions=[".py"])
        # `tar czf dags.tar.gz dags/` (the folder itself, not its content) imports like our export.
        prefix = (
            "dags/"
            if entries and all(e.path == "dags" or e.path.startswith("dags/") for e in entries)
            else ""
        )
        batch = Batch()
        for entry in entries:
            if not entry.is_dir:
                batch.consider(entry.path.removeprefix(prefix), (target / entry.path).read_bytes(), force)
        if not batch.accepted and not batch.rejected:
            raise InvalidDagFileContent("the archive holds no .py files")
        return write_batch(folder, batch, author, action="import", message=message)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def export_tar_gz(
    folder: DagFolder, out: BinaryIO, *, include: Callable[[str], bool] | None = None
) -> list[str]:
    """Write a deterministic tar.gz of the folder's `.py` files (no `.git`, no byte code) to `out`.

    `include` keeps only the files (relative names) it accepts, e.g. those a user may read.
    """
    from wfo.storage.tarball import write_tar_gz

    keep = {f.name for f in folder.files() if include is None or include(f.name)}
    parents = {str(Path(name).parent) for name in keep}
    folders = {p for name in parents for p in [name, *map(str, Path(name).parents)] if p != "."}

    def exclude(relative: str) -> bool:
        return relative not in keep and relative not in folders

    folder.path.mkdir(parents=True, exist_ok=True)
    write_tar_gz(folder.path, out, exclude=exclude)
    return sorted(keep)
