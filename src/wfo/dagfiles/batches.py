"""Uploads and archive imports: many DAG files, each checked like a save, written in one commit.

A file that fails validation or is legacy code is rejected with the reason (and the validation and
proposed upgrade, for the review) unless `force` is given; the others are written together. When no
file is accepted at all, nothing is written and `NothingImported` carries the report.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from wfo.dagfiles.errors import InvalidDagFileContent, InvalidDagFileName, NothingImported
from wfo.dagfiles.schemas import DagFileCheck, DagFileRejection, DagFileUploadReport
from wfo.dagfiles.service import check, request_parse
from wfo.dagfiles.store import MAX_FILE_BYTES, DagFolder, check_name, decode_source
from wfo.storage.archives import ArchiveLimits, extract_archive
from wfo.storage.errors import FileTooLargeError
from wfo.storage.limits import MiB, read_limited

# An archive of DAG files: code, not data.
MAX_FILES_PER_UPLOAD = 100
IMPORT_LIMITS = ArchiveLimits(
    max_members=2_000, max_total_bytes=256 * MiB, max_member_bytes=MAX_FILE_BYTES
)


@dataclass
class Batch:
    """Files of one upload or import: what is accepted, what is rejected and why."""

    accepted: dict[str, str] = field(default_factory=dict)
    rejected: list[DagFileRejection] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)

    def reject(self, name: str, reason: str, verdict: DagFileCheck | None = None) -> None:
        self.rejected.append(
            DagFileRejection(
                name=name,
                reason=reason,
                validation=verdict.validation if verdict else None,
                upgrade=verdict.upgrade if verdict else None,
            )
        )

    def consider(self, raw_name: str, data: bytes, force: bool) -> None:
        try:
            name = check_name(raw_name)
            content = decode_source(name, data)
        except (InvalidDagFileName, InvalidDagFileContent) as exc:
            self.reject(raw_name, str(exc))
            return
        if name in self.accepted or any(r.name == name for r in self.rejected):
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
) -> DagFileUploadReport:
    """Write the accepted files in one commit; the report says what happened to every file."""
    report = DagFileUploadReport(rejected=batch.rejected, forced=batch.forced)
    if batch.accepted:
        names = ", ".join(sorted(batch.accepted))
        default = f"{'Import' if action == 'import' else 'Upload'} {names}"
        result = folder.write_many(batch.accepted, author, message=message or default, action=action)
        report.added, report.changed, report.unchanged = result.added, result.changed, result.unchanged
        report.commit = result.commit
        request_parse([*result.added, *result.changed])
    elif batch.rejected:
        raise NothingImported(report)
    return report


def upload(
    folder: DagFolder,
    files: Sequence[tuple[str, BinaryIO]],
    author: str,
    *,
    force: bool = False,
    message: str | None = None,
) -> DagFileUploadReport:
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
) -> DagFileUploadReport:
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
