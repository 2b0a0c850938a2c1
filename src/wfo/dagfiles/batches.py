"""Uploads and archive imports (and exports): many DAG files, each checked like a save, written in one commit.

A file that fails validation or is legacy code is rejected with the reason (and the validation and
proposed upgrade, for the review) unless `force` is given. An upload writes the others together;
when no file is accepted at all, nothing is written and `NothingImported` carries the report.

An import (`POST /api/dags/`) is all or nothing: one rejected file refuses it (`ImportRefused`, the
files that passed are `held_back`), unless `partial` asks for the upload's rule. A file equal to the one
in the folder is `unchanged` without being validated again (it is not written, so an import of
identical content is a no-op). A dry run answers what the import would answer and writes nothing.
`export_archive` is `GET /api/dags/`: the DAG files the user may read and, with `include_examples`,
the shipped examples under `wfo-examples/`. An import `skipped`s the files there that are equal to a
shipped example (installed with wfo, read-only); any other file there is imported like the rest.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from wfo.dagfiles import reading
from wfo.dagfiles.errors import ImportRefused, InvalidDagFileContent, InvalidDagFileName, NothingImported
from wfo.dagfiles.gitrepo import blob_id
from wfo.dagfiles.listing import EXAMPLES_BUNDLE
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.schemas import (
    DagFileCheck,
    DagFileHeldBack,
    DagFileRejection,
    DagFileSkipped,
    DagFileUploadReport,
)
from wfo.dagfiles.service import check, request_parse
from wfo.dagfiles.store import MAX_FILE_BYTES, DagFolder, check_name, decode_source
from wfo.storage.archives import ArchiveLimits, extract_archive
from wfo.storage.errors import FileTooLargeError
from wfo.storage.limits import MiB, read_limited
from wfo.storage.tarball import write_tar_gz

# An archive of DAG files: code, not data.
MAX_FILES_PER_UPLOAD = 100
IMPORT_LIMITS = ArchiveLimits(max_members=2_000, max_total_bytes=256 * MiB, max_member_bytes=MAX_FILE_BYTES)
# Where an export with `include_examples=true` puts the shipped example DAGs (an import skips them).
EXAMPLES_FOLDER = "wfo-examples"


@dataclass
class Batch:
    """Files of one upload or import: what is accepted, what is rejected and why."""

    accepted: dict[str, str] = field(default_factory=dict)
    rejected: list[DagFileRejection] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)
    # Equal to the file in the folder (imports only): not validated again, not written.
    unchanged: list[str] = field(default_factory=list)

    def reject(self, name: str, reason: str, verdict: DagFileCheck | None = None) -> None:
        self.rejected.append(
            DagFileRejection(
                name=name,
                reason=reason,
                validation=verdict.validation if verdict else None,
                upgrade=verdict.upgrade if verdict else None,
            )
        )

    def consider(self, raw_name: str, data: bytes, force: bool, folder: DagFolder | None = None) -> None:
        """Check one file; with `folder`, a file equal to the one stored there is `unchanged`."""
        try:
            name = check_name(raw_name)
            content = decode_source(name, data)
        except (InvalidDagFileName, InvalidDagFileContent) as exc:
            self.reject(raw_name, str(exc))
            return
        if name in self.accepted or name in self.unchanged or any(r.name == name for r in self.rejected):
            self.reject(name, f"{name!r} is sent twice")
            return
        if folder is not None and folder.current_revision(name) == blob_id(data):
            self.unchanged.append(name)
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
    report = DagFileUploadReport(
        rejected=batch.rejected, forced=batch.forced, unchanged=list(batch.unchanged)
    )
    if batch.accepted:
        names = ", ".join(sorted(batch.accepted))
        default = f"{'Import' if action == 'import' else 'Upload'} {names}"
        result = folder.write_many(batch.accepted, author, message=message or default, action=action)
        report.added, report.changed = result.added, result.changed
        report.unchanged = sorted([*report.unchanged, *result.unchanged])
        report.commit = result.commit
        report.imported = result.commit is not None
        request_parse([*result.added, *result.changed])
    elif batch.rejected and not batch.unchanged:
        raise NothingImported(report)
    return report


def _planned(folder: DagFolder, batch: Batch) -> DagFileUploadReport:
    """What writing the batch would do, without writing (a dry run, or the report of a refusal)."""
    report = DagFileUploadReport(
        rejected=batch.rejected, forced=batch.forced, unchanged=sorted(batch.unchanged)
    )
    for name in sorted(batch.accepted):
        (report.added if folder.current_revision(name) is None else report.changed).append(name)
    return report


def _refusal(report: DagFileUploadReport) -> ImportRefused:
    """All or nothing: the files that passed are held back, and the report says so for each."""
    reason = (
        f"not imported: {len(report.rejected)} other file(s) of the archive were refused (all or nothing)"
    )
    report.held_back = [
        *(DagFileHeldBack(name=name, would_be="added", reason=reason) for name in report.added),
        *(DagFileHeldBack(name=name, would_be="changed", reason=reason) for name in report.changed),
    ]
    report.added, report.changed, report.forced = [], [], []
    return ImportRefused(report)


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
    folder: DagFolder,
    source: BinaryIO,
    author: str,
    *,
    force: bool = False,
    message: str | None = None,
    dry_run: bool = False,
    partial: bool = False,
    examples: Path | None = None,
) -> DagFileUploadReport:
    """Import a tar.gz (or zip) of `.py` files in one commit: all of them, or (`partial`) those that pass.

    The archive is first extracted into a scratch folder with every safety check of
    `wfo.storage.archives` (links, `..`, absolute names, member count and sizes, `.py` only): an
    unsafe archive raises `StorageError` before anything reaches the DAGs folder. A rejected file
    raises `ImportRefused` (`NothingImported` with `partial` when no file passes); a dry run raises
    the same and otherwise returns the report of what would be written. `examples`: the folder of
    the shipped example DAGs (files of the archive equal to one of them are skipped).
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
        batch, skipped = Batch(), []
        for entry in entries:
            if entry.is_dir:
                continue
            name, data = entry.path.removeprefix(prefix), (target / entry.path).read_bytes()
            if examples is not None and _is_shipped_example(examples, name, data):
                skipped.append(DagFileSkipped(name=name, reason=_EXAMPLE_SKIPPED))
                continue
            batch.consider(name, data, force, folder)
        if not batch.accepted and not batch.rejected and not batch.unchanged:
            raise InvalidDagFileContent(
                "the archive holds no .py files"
                if not skipped
                else "the archive holds only the shipped examples"
            )
        return _import(
            folder, batch, author, message=message, dry_run=dry_run, partial=partial, skipped=skipped
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_EXAMPLE_SKIPPED = (
    f"a shipped example DAG ({EXAMPLES_FOLDER}/ of an export with include_examples): examples are "
    "installed with wfo and read-only; copy one into your DAGs to change it"
)


def _is_shipped_example(examples: Path, name: str, data: bytes) -> bool:
    if not name.startswith(f"{EXAMPLES_FOLDER}/"):
        return False
    shipped = examples / name.removeprefix(f"{EXAMPLES_FOLDER}/")
    return (
        shipped.is_file()
        and shipped.resolve().is_relative_to(examples.resolve())
        and shipped.read_bytes() == data
    )


def export_archive(
    folder: DagFolder, access: DagCodeAccess, out: BinaryIO, *, examples: Path | None = None
) -> list[str]:
    """Write the tar.gz of `GET /api/dags/`: the files the user may read; with `examples` (the folder
    of the shipped example DAGs), also the examples they may read, under `wfo-examples/`."""
    if examples is None:
        return reading.export_tar_gz(folder, access, out)
    with tempfile.TemporaryDirectory(prefix="wfo-dags-export-") as scratch:
        root = Path(scratch)
        shipped = DagFolder(examples)
        parts = [
            (folder, access, ""),
            (shipped, access.in_bundle(EXAMPLES_BUNDLE), f"{EXAMPLES_FOLDER}/"),
        ]
        names = []
        for source, who, prefix in parts:
            for entry in reading.list_files(source, who):
                target = root / f"{prefix}{entry.file.name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source.path / entry.file.name, target)
                names.append(f"{prefix}{entry.file.name}")
        write_tar_gz(root, out)
    return sorted(names)


def _import(
    folder: DagFolder,
    batch: Batch,
    author: str,
    *,
    message: str | None,
    dry_run: bool,
    partial: bool,
    skipped: list[DagFileSkipped],
) -> DagFileUploadReport:
    planned = _planned(folder, batch)
    planned.dry_run, planned.partial, planned.skipped = dry_run, partial, skipped
    if batch.rejected and not partial:
        raise _refusal(planned)
    if batch.rejected and not batch.accepted and not batch.unchanged:
        raise NothingImported(planned)
    if dry_run:
        return planned
    report = write_batch(folder, batch, author, action="import", message=message)
    report.partial, report.skipped = partial, skipped
    return report
