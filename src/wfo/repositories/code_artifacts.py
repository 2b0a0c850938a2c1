"""The code artifacts repository: versioned job code that any worker can fetch without the DB.

Layout in the object store (the contract workers rely on):

    code-artifacts/<name>/v<N>/<name>      the bytes of version N (1, 2, ...)
    code-artifacts/<name>/manifest.json    {"name", "latest": N, "versions": [...]}

A version's bytes are stored first and the manifest is replaced (atomically, by the store) only
after them, so a reader resolves "latest" with one manifest read and always finds its bytes.
Uploading bytes identical to the latest version stores nothing and returns the latest version;
restoring a version copies it into a new latest version. Writers of one name are serialised by a
lock file when a lock folder is given (one api-server host; the store itself has no locks).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from wfo.repositories.errors import NotFoundError, NotTextError
from wfo.repositories.files import DigestingReader, Upload, checked_names
from wfo.repositories.schemas import (
    CodeArtifactContent,
    CodeArtifactDetail,
    CodeArtifactList,
    CodeArtifactPublic,
    CodeArtifactUploaded,
    CodeArtifactVersionPublic,
)
from wfo.storage.errors import ObjectNotFoundError
from wfo.storage.limits import MiB, format_size
from wfo.storage.locks import name_lock
from wfo.storage.names import safe_name
from wfo.storage.objectstore import ObjectStore, normalise_key

PREFIX = "code-artifacts"
MANIFEST = "manifest.json"
# Code and the small files jobs read next to it; executables and archives of code for Spark. Spelled
# as the docs write them (`.R`): refusals list them so; names are matched case-insensitively.
EXTENSIONS = (
    ".py", ".jar", ".zip", ".egg", ".whl", ".sql", ".sh", ".R", ".scala", ".json", ".yaml", ".yml",
    ".txt", ".conf", ".properties", ".ipynb", ".csv",
)  # fmt: skip
MAX_FILE_BYTES = 512 * MiB
MAX_TEXT_VIEW_BYTES = 1 * MiB
MAX_MANIFEST_BYTES = 16 * MiB


@dataclass(frozen=True)
class ArtifactVersion:
    version: int
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: str
    text: bool = False
    restored_from: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.version,
            "size": self.size,
            "sha256": self.sha256,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at,
            "text": self.text,
        }
        if self.restored_from is not None:
            data["restored_from"] = self.restored_from
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArtifactVersion:
        return cls(
            version=int(data["version"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            uploaded_by=str(data.get("uploaded_by", "")),
            uploaded_at=str(data.get("uploaded_at", "")),
            text=bool(data.get("text", False)),
            restored_from=data.get("restored_from"),
        )


@dataclass(frozen=True)
class Manifest:
    name: str
    latest: int
    versions: list[ArtifactVersion] = field(default_factory=list)

    def version(self, number: int | None = None) -> ArtifactVersion:
        wanted = self.latest if number is None else number
        for entry in self.versions:
            if entry.version == wanted:
                return entry
        raise NotFoundError(f"the code artifact {self.name!r} has no version {wanted}")

    @property
    def current(self) -> ArtifactVersion:
        return self.version(None)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "latest": self.latest, "versions": [v.to_json() for v in self.versions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        versions = [ArtifactVersion.from_json(item) for item in data.get("versions", [])]
        return cls(name=str(data["name"]), latest=int(data["latest"]), versions=versions)


def manifest_key(name: str) -> str:
    return f"{PREFIX}/{safe_name(name)}/{MANIFEST}"


def version_key(name: str, version: int) -> str:
    name = safe_name(name)
    return f"{PREFIX}/{name}/v{version}/{name}"


def read_manifest(store: ObjectStore, name: str) -> Manifest:
    """The manifest of `name` (one read); `NotFoundError` if there is no such artifact."""
    try:
        raw = store.get_bytes(manifest_key(name), max_bytes=MAX_MANIFEST_BYTES)
    except ObjectNotFoundError:
        raise NotFoundError(f"there is no code artifact {name!r}") from None
    return Manifest.from_json(json.loads(raw))


def fetch_code_artifact(
    name: str,
    dest_dir: str | os.PathLike[str],
    version: int | None = None,
    *,
    store: ObjectStore | None = None,
) -> Path:
    """Copy version `version` (default: the latest) of `name` into `dest_dir`; return its path.

    For task processes on any worker: reads the manifest and the bytes from the object store only.
    """
    store = store or ObjectStore.from_settings()
    entry = read_manifest(store, name).version(version)
    target = Path(dest_dir) / safe_name(name)
    try:
        store.download_to(version_key(name, entry.version), target)
    except ObjectNotFoundError:
        raise NotFoundError(f"the bytes of version {entry.version} of {name!r} are missing") from None
    return target


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _time(text: str) -> datetime | None:
    """A manifest's time (written by `_now`; a hand-edited one that cannot be read shows as unknown)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _public_version(entry: ArtifactVersion) -> CodeArtifactVersionPublic:
    return CodeArtifactVersionPublic(
        version=entry.version,
        size=entry.size,
        sha256=entry.sha256,
        uploaded_by=entry.uploaded_by,
        uploaded_at=_time(entry.uploaded_at),
        text=entry.text,
        restored_from=entry.restored_from,
    )


def _public(manifest: Manifest) -> CodeArtifactPublic:
    latest = manifest.current
    return CodeArtifactPublic(
        name=manifest.name,
        size=latest.size,
        modified=_time(latest.uploaded_at),
        version=latest.version,
        versions=len(manifest.versions),
        uploaded_by=latest.uploaded_by,
        text=latest.text,
    )


class CodeArtifacts:
    """Upload, list, read, restore and delete the code artifacts of one store."""

    def __init__(
        self, store: ObjectStore, *, lock_dir: Path | None = None, max_file_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.store = store
        self.lock_dir = lock_dir
        self.max_file_bytes = max_file_bytes

    @classmethod
    def from_settings(cls) -> CodeArtifacts:
        from wfo.settings import get_settings

        return cls(ObjectStore.from_settings(), lock_dir=get_settings().run_dir / "locks")

    def _locked(self, name: str) -> contextlib.AbstractContextManager[None]:
        return name_lock(self.lock_dir, "code-artifact", name, across_hosts=True)

    def _manifest_or_none(self, name: str) -> Manifest | None:
        try:
            return read_manifest(self.store, name)
        except NotFoundError:
            return None

    def _write_manifest(self, manifest: Manifest) -> None:
        data = json.dumps(manifest.to_json(), indent=1).encode()
        self.store.put_bytes(manifest_key(manifest.name), data)

    # --- reading ---------------------------------------------------------------------------------------
    def search(self, query: str | None = None) -> list[Manifest]:
        """Every artifact (by name) whose name contains `query`, case-insensitively."""
        needle = (query or "").strip().lower()
        found = []
        for info in self.store.list(PREFIX):
            parts = info.key.split("/")
            if len(parts) != 3 or parts[2] != MANIFEST or needle not in parts[1].lower():
                continue
            manifest = self._manifest_or_none(parts[1])
            if manifest is not None:
                found.append(manifest)
        return sorted(found, key=lambda manifest: manifest.name.lower())

    def listing(self, query: str | None = None) -> CodeArtifactList:
        """Every artifact (its latest version) whose name contains `query`, case-insensitively."""
        return CodeArtifactList(artifacts=[_public(manifest) for manifest in self.search(query)])

    def get(self, name: str) -> Manifest:
        return read_manifest(self.store, name)

    def detail(self, name: str) -> CodeArtifactDetail:
        """The artifact with every version kept."""
        manifest = self.get(name)
        return CodeArtifactDetail(
            name=manifest.name,
            latest=manifest.latest,
            versions=[_public_version(v) for v in manifest.versions],
        )

    def open(self, name: str, version: int | None = None) -> tuple[ArtifactVersion, BinaryIO]:
        """A version's metadata and its content (the caller closes the stream)."""
        entry = self.get(name).version(version)
        try:
            stream = self.store.backend.open_read(normalise_key(version_key(name, entry.version)))
        except ObjectNotFoundError:
            raise NotFoundError(f"the bytes of version {entry.version} of {name!r} are missing") from None
        return entry, stream

    def text(self, name: str, version: int | None = None) -> tuple[ArtifactVersion, str]:
        """A version's content as text; `NotTextError` for binary or too large files."""
        entry = self.get(name).version(version)
        if entry.size > MAX_TEXT_VIEW_BYTES:
            raise NotTextError(
                f"{name!r} is {format_size(entry.size)}; files above {format_size(MAX_TEXT_VIEW_BYTES)} "
                "are not shown, download it instead"
            )
        data = self.store.get_bytes(version_key(name, entry.version), max_bytes=MAX_TEXT_VIEW_BYTES)
        try:
            if b"\x00" in data:
                raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
            return entry, data.decode("utf-8")
        except UnicodeDecodeError:
            raise NotTextError(f"{name!r} is a binary file (not UTF-8 text); download it instead") from None

    def content(self, name: str, version: int | None = None) -> CodeArtifactContent:
        """`text` as the API shows it."""
        entry, text = self.text(name, version)
        return CodeArtifactContent(name=name, version=entry.version, text=text)

    # --- changing --------------------------------------------------------------------------------------
    def upload(self, uploads: Sequence[Upload], username: str) -> list[CodeArtifactUploaded]:
        """Add a new version of every uploaded file; all are checked before anything is stored."""
        names = checked_names(uploads, EXTENSIONS, self.max_file_bytes)
        return [
            self._add_version(name, upload.stream, username)
            for name, upload in zip(names, uploads, strict=True)
        ]

    def _add_version(self, name: str, stream: BinaryIO, username: str) -> CodeArtifactUploaded:
        with self._locked(name):
            manifest = self._manifest_or_none(name)
            number = 1 if manifest is None else max(v.version for v in manifest.versions) + 1
            reader = DigestingReader(stream)
            key = version_key(name, number)
            self.store.put_stream(key, reader, max_bytes=self.max_file_bytes)  # type: ignore[arg-type]
            if manifest is not None and manifest.current.sha256 == reader.sha256:
                self.store.delete(key, missing_ok=True)
                return CodeArtifactUploaded(name=name, version=manifest.latest, unchanged=True)
            entry = ArtifactVersion(number, reader.size, reader.sha256, username, _now(), reader.is_text)
            previous = [] if manifest is None else manifest.versions
            self._write_manifest(Manifest(name, number, [*previous, entry]))
            return CodeArtifactUploaded(name=name, version=number, unchanged=False)

    def restore(self, name: str, version: int, username: str) -> CodeArtifactUploaded:
        """Make the content of `version` the latest again, as a new version."""
        name = safe_name(name)
        with self._locked(name):
            manifest = self.get(name)
            source = manifest.version(version)
            if source.version == manifest.latest:
                return CodeArtifactUploaded(name=name, version=manifest.latest, unchanged=True)
            number = max(v.version for v in manifest.versions) + 1
            with self.store.open(version_key(name, source.version)) as content:
                self.store.put_stream(version_key(name, number), content)
            entry = ArtifactVersion(
                number,
                source.size,
                source.sha256,
                username,
                _now(),
                source.text,
                restored_from=source.version,
            )
            self._write_manifest(Manifest(name, number, [*manifest.versions, entry]))
            return CodeArtifactUploaded(name=name, version=number, unchanged=False)

    def delete(self, name: str) -> int:
        """Delete every version of `name`; return how many versions there were."""
        name = safe_name(name)
        with self._locked(name):
            manifest = self.get(name)
            # The manifest goes first: from then on no reader resolves the name, whatever remains.
            self.store.delete(manifest_key(name))
            self.store.delete_prefix(f"{PREFIX}/{name}")
            return len(manifest.versions)
