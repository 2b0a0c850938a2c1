"""The models and datasets repository: versioned files in the object store, readable without the DB.

Layout in the object store (the contract the model server and workers rely on):

    models/<name>/manifest.json        {"name", "kind", "latest": N, "versions": [...]}
    models/<name>/v<N>/<file name>     the bytes of version N as uploaded (.onnx, .pmml, .mar, .tar.gz ...)
    models/<name>/access.json          {"public": bool, "keys": [{id, sha256, label, created_by, created_at}]}

A version's bytes are stored first and the manifest is replaced only after them, so a reader
resolves "latest" with one manifest read and always finds its bytes. The kind of a name is fixed by
its first upload. API keys are kept as SHA-256 digests of random 256-bit secrets: the key itself is
shown once, when it is created.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from wfo.errors import Conflict, ServerFault
from wfo.repositories.errors import NotFoundError, RepositoryError
from wfo.repositories.files import DigestingReader
from wfo.repositories.model_files import KINDS, SERVED_KINDS, check_kind_extension, inspect
from wfo.storage.errors import ObjectNotFoundError
from wfo.storage.limits import GiB, MiB, copy_stream_limited
from wfo.storage.locks import name_lock
from wfo.storage.names import safe_name
from wfo.storage.objectstore import ObjectStore, normalise_key

PREFIX = "models"
MANIFEST = "manifest.json"
ACCESS = "access.json"
MAX_FILE_BYTES = 4 * GiB
MAX_MANIFEST_BYTES = 16 * MiB
# Names appear in serving URLs (`/v1/models/<name>:predict`, `/predictions/<name>/<version>`).
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
KEY_PREFIX = "wfo_mk_"


class InvalidModelNameError(RepositoryError):
    """The name cannot be used in serving URLs (422)."""


class CorruptManifestError(RepositoryError, ServerFault):
    """A manifest in the store is not what this module writes (edited by hand, cut short): 500."""


class KindConflictError(RepositoryError, Conflict):
    """A name keeps the kind of its first upload (409)."""


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise InvalidModelNameError(
            f"the name {name!r} is not allowed: 1-100 letters, digits, '_', '.', '-', starting with a letter "
            "or digit (it becomes part of URLs)"
        )
    return safe_name(name)


@dataclass(frozen=True)
class ModelVersion:
    version: int
    filename: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: str
    signature: dict[str, Any] = field(default_factory=dict)
    restored_from: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "version": self.version,
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
            "uploaded_by": self.uploaded_by,
            "uploaded_at": self.uploaded_at,
            "signature": self.signature,
        }
        if self.restored_from is not None:
            data["restored_from"] = self.restored_from
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelVersion:
        return cls(
            version=int(data["version"]),
            filename=str(data["filename"]),
            size=int(data["size"]),
            sha256=str(data["sha256"]),
            uploaded_by=str(data.get("uploaded_by", "")),
            uploaded_at=str(data.get("uploaded_at", "")),
            signature=dict(data.get("signature") or {}),
            restored_from=data.get("restored_from"),
        )


@dataclass(frozen=True)
class ModelManifest:
    name: str
    kind: str
    latest: int
    versions: list[ModelVersion] = field(default_factory=list)

    def version(self, number: int | None = None) -> ModelVersion:
        wanted = self.latest if number is None else number
        for entry in self.versions:
            if entry.version == wanted:
                return entry
        raise NotFoundError(f"the model {self.name!r} has no version {wanted}")

    @property
    def current(self) -> ModelVersion:
        return self.version(None)

    @property
    def served(self) -> bool:
        return self.kind in SERVED_KINDS

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "latest": self.latest,
            "versions": [v.to_json() for v in self.versions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelManifest:
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            latest=int(data["latest"]),
            versions=[ModelVersion.from_json(item) for item in data.get("versions", [])],
        )


@dataclass(frozen=True)
class ApiKey:
    id: str
    sha256: str
    label: str
    created_by: str
    created_at: str


@dataclass(frozen=True)
class ModelAccess:
    """Who may call a model's serving routes besides Airflow users: everyone (public) or key holders."""

    public: bool = False
    keys: list[ApiKey] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"public": self.public, "keys": [vars(key) for key in self.keys]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelAccess:
        keys = [
            ApiKey(**{k: str(item.get(k, "")) for k in ApiKey.__dataclass_fields__}) for item in data["keys"]
        ]
        return cls(public=bool(data.get("public", False)), keys=keys)

    def accepts(self, key: str) -> bool:
        """`key` is one of this model's API keys (compared by digest, in constant time)."""
        if not key.startswith(KEY_PREFIX):
            return False
        key_id = key[len(KEY_PREFIX) :].split(".", 1)[0]
        digest = hashlib.sha256(key.encode()).hexdigest()
        return any(k.id == key_id and hmac.compare_digest(k.sha256, digest) for k in self.keys)


def manifest_key(name: str) -> str:
    return f"{PREFIX}/{safe_name(name)}/{MANIFEST}"


def access_key(name: str) -> str:
    return f"{PREFIX}/{safe_name(name)}/{ACCESS}"


def version_key(name: str, version: int, filename: str) -> str:
    return f"{PREFIX}/{safe_name(name)}/v{version}/{safe_name(filename)}"


def read_manifest(store: ObjectStore, name: str) -> ModelManifest:
    """The manifest of `name` (one read); `NotFoundError` if there is no such model or dataset."""
    try:
        raw = store.get_bytes(manifest_key(name), max_bytes=MAX_MANIFEST_BYTES)
    except ObjectNotFoundError:
        raise NotFoundError(f"there is no model or dataset {name!r}") from None
    try:
        return ModelManifest.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptManifestError(
            f"the manifest of {name!r} in the object store cannot be read ({exc}); restore it from a backup"
        ) from None


def read_access(store: ObjectStore, name: str) -> ModelAccess:
    try:
        raw = store.get_bytes(access_key(name), max_bytes=MAX_MANIFEST_BYTES)
    except ObjectNotFoundError:
        return ModelAccess()
    return ModelAccess.from_json(json.loads(raw))


def fetch_model(
    name: str,
    dest_dir: str | os.PathLike[str],
    version: int | None = None,
    *,
    store: ObjectStore | None = None,
) -> Path:
    """Copy version `version` (default: the latest) of a model or dataset into `dest_dir`; return its path.

    For task processes on any worker (a dataset's stable address is its name): reads the object store only.
    """
    store = store or ObjectStore.from_settings()
    entry = read_manifest(store, name).version(version)
    target = Path(dest_dir) / entry.filename
    try:
        store.download_to(version_key(name, entry.version, entry.filename), target)
    except ObjectNotFoundError:
        raise NotFoundError(f"the bytes of version {entry.version} of {name!r} are missing") from None
    return target


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Added:
    name: str
    kind: str
    version: int
    unchanged: bool


class ModelRepository:
    """Upload, list, read, restore and delete models and datasets, and manage their serving access."""

    def __init__(
        self,
        store: ObjectStore,
        *,
        lock_dir: Path | None = None,
        spool_dir: Path | None = None,
        max_file_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.store = store
        self.lock_dir = lock_dir
        self.spool_dir = spool_dir
        self.max_file_bytes = max_file_bytes

    @classmethod
    def from_settings(cls) -> ModelRepository:
        from wfo.settings import get_settings

        settings = get_settings()
        return cls(
            ObjectStore.from_settings(), lock_dir=settings.run_dir / "locks", spool_dir=settings.run_dir
        )

    def _locked(self, name: str) -> contextlib.AbstractContextManager[None]:
        return name_lock(self.lock_dir, "model", name, across_hosts=True)

    def _manifest_or_none(self, name: str) -> ModelManifest | None:
        try:
            return read_manifest(self.store, name)
        except NotFoundError:
            return None

    def _write_manifest(self, manifest: ModelManifest) -> None:
        self.store.put_bytes(manifest_key(manifest.name), json.dumps(manifest.to_json(), indent=1).encode())

    # --- reading ---------------------------------------------------------------------------------------
    def search(self, kind: str | None = None) -> list[ModelManifest]:
        found = []
        for info in self.store.list(PREFIX):
            parts = info.key.split("/")
            if len(parts) != 3 or parts[2] != MANIFEST:
                continue
            manifest = self._manifest_or_none(parts[1])
            if manifest is not None and (kind is None or manifest.kind == kind):
                found.append(manifest)
        return sorted(found, key=lambda m: m.name.lower())

    def get(self, name: str) -> ModelManifest:
        return read_manifest(self.store, check_name(name))

    def access(self, name: str) -> ModelAccess:
        self.get(name)
        return read_access(self.store, name)

    def open(self, name: str, version: int | None = None) -> tuple[ModelVersion, BinaryIO]:
        entry = self.get(name).version(version)
        try:
            stream = self.store.backend.open_read(
                normalise_key(version_key(name, entry.version, entry.filename))
            )
        except ObjectNotFoundError:
            raise NotFoundError(f"the bytes of version {entry.version} of {name!r} are missing") from None
        return entry, stream

    # --- changing --------------------------------------------------------------------------------------
    def upload(self, kind: str, name: str, filename: str, stream: BinaryIO, username: str) -> Added:
        """Check the file as a `kind` (nothing stored if it is not one), then add it as a new version."""
        name = check_name(name)
        filename = safe_name(filename or name)
        check_kind_extension(kind, filename)
        existing = self._manifest_or_none(name)
        if existing is not None and existing.kind != kind:
            raise KindConflictError(
                f"{name!r} is a {existing.kind} entry; upload a {existing.kind} or use another name"
            )
        spool_parent = self.spool_dir
        if spool_parent is not None:
            spool_parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="wfo-model-upload-", dir=spool_parent) as tmp:
            local = Path(tmp) / filename
            reader = DigestingReader(stream)
            with open(local, "wb") as out:
                copy_stream_limited(reader, out, self.max_file_bytes, what=f"the file {filename!r}")  # type: ignore[arg-type]
            signature = inspect(kind, local)
            with self._locked(name):
                manifest = self._manifest_or_none(name)
                if manifest is not None and manifest.kind != kind:
                    raise KindConflictError(f"{name!r} is a {manifest.kind} entry")
                if manifest is not None and manifest.current.sha256 == reader.sha256:
                    return Added(name, kind, manifest.latest, unchanged=True)
                number = 1 if manifest is None else max(v.version for v in manifest.versions) + 1
                self.store.put_file(version_key(name, number, filename), local)
                entry = ModelVersion(
                    number, filename, reader.size, reader.sha256, username, _now(), signature
                )
                previous = [] if manifest is None else manifest.versions
                self._write_manifest(ModelManifest(name, kind, number, [*previous, entry]))
                return Added(name, kind, number, unchanged=False)

    def restore(self, name: str, version: int, username: str) -> Added:
        """Make the content of `version` the latest again, as a new version."""
        name = check_name(name)
        with self._locked(name):
            manifest = self.get(name)
            source = manifest.version(version)
            if source.version == manifest.latest:
                return Added(name, manifest.kind, manifest.latest, unchanged=True)
            number = max(v.version for v in manifest.versions) + 1
            with self.store.open(version_key(name, source.version, source.filename)) as content:
                self.store.put_stream(version_key(name, number, source.filename), content)
            entry = replace(
                source, version=number, uploaded_by=username, uploaded_at=_now(), restored_from=source.version
            )
            self._write_manifest(ModelManifest(name, manifest.kind, number, [*manifest.versions, entry]))
            return Added(name, manifest.kind, number, unchanged=False)

    def delete_version(self, name: str, version: int) -> ModelManifest | None:
        """Delete one version; the highest remaining one becomes the latest (none left: the entry goes)."""
        name = check_name(name)
        with self._locked(name):
            manifest = self.get(name)
            entry = manifest.version(version)
            remaining = [v for v in manifest.versions if v.version != entry.version]
            if not remaining:
                self._delete_all(name)
                return None
            updated = ModelManifest(name, manifest.kind, max(v.version for v in remaining), remaining)
            self._write_manifest(updated)
            self.store.delete(version_key(name, entry.version, entry.filename), missing_ok=True)
            return updated

    def delete(self, name: str) -> int:
        """Delete every version (serving stops at the server's next poll); return how many there were."""
        name = check_name(name)
        with self._locked(name):
            manifest = self.get(name)
            self._delete_all(name)
            return len(manifest.versions)

    def _delete_all(self, name: str) -> None:
        # The manifest goes first: from then on no reader resolves the name, whatever remains.
        self.store.delete(manifest_key(name))
        self.store.delete_prefix(f"{PREFIX}/{name}")

    # --- serving access --------------------------------------------------------------------------------
    def _write_access(self, name: str, access: ModelAccess) -> None:
        self.store.put_bytes(access_key(name), json.dumps(access.to_json(), indent=1).encode())

    def set_public(self, name: str, public: bool) -> ModelAccess:
        name = check_name(name)
        with self._locked(name):
            access = replace(self.access(name), public=public)
            self._write_access(name, access)
            return access

    def create_key(self, name: str, label: str, username: str) -> tuple[ApiKey, str]:
        """A new API key for `name`'s serving routes: (its stored record, the key itself, shown once)."""
        name = check_name(name)
        with self._locked(name):
            access = self.access(name)
            key_id = secrets.token_hex(6)
            key = f"{KEY_PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
            record = ApiKey(
                key_id, hashlib.sha256(key.encode()).hexdigest(), label.strip()[:100], username, _now()
            )
            self._write_access(name, replace(access, keys=[*access.keys, record]))
            return record, key

    def delete_key(self, name: str, key_id: str) -> None:
        name = check_name(name)
        with self._locked(name):
            access = self.access(name)
            kept = [k for k in access.keys if k.id != key_id]
            if len(kept) == len(access.keys):
                raise NotFoundError(f"the model {name!r} has no API key {key_id!r}")
            self._write_access(name, replace(access, keys=kept))


__all__ = ["KINDS", "ModelRepository", "fetch_model", "read_access", "read_manifest"]
