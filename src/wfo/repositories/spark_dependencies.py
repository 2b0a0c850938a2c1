"""The Spark dependencies repository: jars and Python files offered to every config group.

Files live flat in the object store under `spark-dependencies/<name>`; the store is the only
state, so workers fetch them with `fetch_spark_dependency` without the DB. Import and export use
deterministic tar.gz archives holding the files at the top level (`GET/POST /api/dependencies/`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from wfo.repositories.errors import ImportRefusedError, InUseError, NotFoundError
from wfo.repositories.files import Upload, checked_names
from wfo.repositories.schemas import (
    DependencyImportHeldBack,
    DependencyImportRejection,
    DependencyImportReport,
    SparkDependencyKind,
    SparkDependencyList,
    SparkDependencyPublic,
)
from wfo.storage.archives import ArchiveLimits, extract_archive
from wfo.storage.errors import ObjectNotFoundError, StorageError
from wfo.storage.limits import GiB, MiB, check_extension, check_size
from wfo.storage.names import safe_name
from wfo.storage.objectstore import ObjectStore, normalise_key
from wfo.storage.tarball import write_tar_gz

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PREFIX = "spark-dependencies"
EXTENSIONS = (".jar", ".py", ".zip", ".egg")
MAX_FILE_BYTES = 512 * MiB
MAX_IMPORT_BYTES = 4 * GiB


def key_for(name: str) -> str:
    return f"{PREFIX}/{safe_name(name)}"


def fetch_spark_dependency(
    name: str, dest_dir: str | os.PathLike[str], store: ObjectStore | None = None
) -> Path:
    """Copy the dependency `name` into `dest_dir` (atomically) and return its local path.

    For task processes: reads only the object store, never the DB.
    """
    store = store or ObjectStore.from_settings()
    target = Path(dest_dir) / safe_name(name)
    try:
        store.download_to(key_for(name), target)
    except ObjectNotFoundError:
        raise NotFoundError(f"there is no Spark dependency {name!r}") from None
    return target


def _names_in(value: Any) -> set[str]:
    """The file names of a `jars`/`py-files` argument: a list, or a comma-separated string."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return {str(item).strip().rsplit("/", 1)[-1] for item in items if str(item).strip()}


def groups_using(session: Session, name: str) -> list[str]:
    """The config groups whose spark-submit `jars` or `py-files` name this dependency."""
    from sqlalchemy import select

    from wfo.db.models import ConfigGroup

    users = []
    for group_name, arguments in session.execute(select(ConfigGroup.name, ConfigGroup.spark_arguments)):
        arguments = arguments or {}
        if any(name in _names_in(arguments.get(key)) for key in ("jars", "py-files")):
            users.append(group_name)
    return sorted(users)


def _sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def _refusal(report: DependencyImportReport) -> ImportRefusedError:
    """All or nothing: the files that would have been written are held back, and the report says so."""
    count = len(report.rejected)
    reason = f"not imported: {count} other file(s) of the archive were refused (all or nothing)"
    report.held_back = [
        *(DependencyImportHeldBack(name=name, would_be="added", reason=reason) for name in report.added),
        *(DependencyImportHeldBack(name=name, would_be="changed", reason=reason) for name in report.changed),
    ]
    report.added, report.changed = [], []
    listed = "; ".join(f"{item.name}: {item.reason}" for item in report.rejected)
    return ImportRefusedError(
        f"nothing was imported, {count} file(s) refused: {listed}", report.model_dump(mode="json")
    )


class SparkDependencies:
    """List, upload, download, delete, export and import the Spark dependencies of one store."""

    def __init__(self, store: ObjectStore, *, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.store = store
        self.max_file_bytes = max_file_bytes
        self.import_limits = ArchiveLimits(
            max_members=1_000,
            max_total_bytes=max(MAX_IMPORT_BYTES, max_file_bytes),
            max_member_bytes=max_file_bytes,
        )

    @classmethod
    def from_settings(cls) -> SparkDependencies:
        return cls(ObjectStore.from_settings())

    def files(self) -> list[SparkDependencyPublic]:
        found = []
        for info in self.store.list(PREFIX):
            name = info.key[len(PREFIX) + 1 :]
            if "/" in name:  # not ours: the repository is flat
                continue
            kind = cast(SparkDependencyKind, check_extension(name, EXTENSIONS)[1:])
            found.append(SparkDependencyPublic(name=name, size=info.size, modified=info.modified, kind=kind))
        return found

    def listing(self) -> SparkDependencyList:
        return SparkDependencyList(files=self.files())

    def names(self) -> list[str]:
        return [dependency.name for dependency in self.files()]

    def exists(self, name: str) -> bool:
        return self.store.exists(key_for(name))

    def upload(self, uploads: Sequence[Upload]) -> list[str]:
        """Store every upload (replacing files of the same name); all are checked before any write."""
        names = checked_names(uploads, EXTENSIONS, self.max_file_bytes)
        for name, upload in zip(names, uploads, strict=True):
            self.store.put_stream(key_for(name), upload.stream, max_bytes=self.max_file_bytes)
        return names

    def open(self, name: str) -> BinaryIO:
        """The content of `name` (the caller closes it)."""
        try:
            return self.store.backend.open_read(normalise_key(key_for(name)))
        except ObjectNotFoundError:
            raise NotFoundError(f"there is no Spark dependency {name!r}") from None

    def delete(self, name: str, groups_using: Callable[[str], list[str]] | None = None) -> None:
        """Delete `name`; refuse while a config group uses it."""
        name = safe_name(name)
        if not self.exists(name):
            raise NotFoundError(f"there is no Spark dependency {name!r}")
        users = groups_using(name) if groups_using is not None else []
        if users:
            raise InUseError(
                f"the Spark dependency {name!r} is used by the config group(s) {', '.join(users)}; "
                "remove it from their jars/py-files first",
                users,
            )
        self.store.delete(key_for(name))

    # --- export / import (the manual's /api/dependencies/) -----------------------------------------
    def export_tar_gz(self, out: BinaryIO) -> list[str]:
        """Write a deterministic tar.gz of every dependency (at the archive's top level) to `out`."""
        with tempfile.TemporaryDirectory(prefix="wfo-deps-export-") as folder:
            names = self.names()
            for name in names:
                self.store.download_to(key_for(name), Path(folder) / name)
            write_tar_gz(folder, out)
        return names

    def import_archive(self, source: BinaryIO, *, dry_run: bool = False) -> DependencyImportReport:
        """Import a tar(.gz) or zip of dependencies: all files, or none; the report names every file.

        Files are added or replace those of the same name (a file equal to the stored one is
        `unchanged` and not written); files not in the archive stay. Raises `ImportRefusedError` (with
        the report) when any file is rejected, for a dry run too, and storage errors for hostile or
        damaged archives.
        """
        with tempfile.TemporaryDirectory(prefix="wfo-deps-import-") as folder:
            target = Path(folder) / "content"
            entries = extract_archive(source, target, limits=self.import_limits)
            files = [entry for entry in entries if not entry.is_dir]
            plan, rejected = self._plan_import(target, [entry.path for entry in files])
            existing = {dependency.name: dependency for dependency in self.files()}
            report = DependencyImportReport(rejected=rejected, dry_run=dry_run)
            for name, path in plan:
                if name not in existing:
                    report.added.append(name)
                    continue
                same = existing[name].size == path.stat().st_size and self._same_content(name, path)
                (report.unchanged if same else report.changed).append(name)
            if rejected:
                raise _refusal(report)
            if not dry_run:
                for name, path in plan:
                    if name not in report.unchanged:
                        self.store.put_file(key_for(name), path, max_bytes=self.max_file_bytes)
                report.imported = bool(report.added or report.changed)
            return report

    def _same_content(self, name: str, path: Path) -> bool:
        with open(path, "rb") as local, self.open(name) as stored:
            return _sha256_of(local) == _sha256_of(stored)

    def _plan_import(
        self, root: Path, paths: list[str]
    ) -> tuple[list[tuple[str, Path]], list[DependencyImportRejection]]:
        """(name, local file) to import and the rejected members, for the extracted `paths`."""
        # `tar czf deps.tar.gz deps/` puts everything under one folder: accept that as the top level.
        folders = {PurePosixPath(path).parts[0] for path in paths if "/" in path}
        strip = len(folders) == 1 and all("/" in path for path in paths)
        plan: list[tuple[str, Path]] = []
        rejected: list[DependencyImportRejection] = []
        for path in sorted(paths):
            name = path.split("/", 1)[1] if strip else path
            try:
                if "/" in name:
                    raise StorageError("it is inside a folder; the repository has no folders")
                check_extension(safe_name(name), EXTENSIONS)
                check_size(f"the file {name!r}", (root / path).stat().st_size, self.max_file_bytes)
            except StorageError as exc:
                rejected.append(DependencyImportRejection(name=path, reason=str(exc)))
                continue
            plan.append((name, root / path))
        return plan, rejected
