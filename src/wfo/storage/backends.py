"""Object-store backends, chosen by the URL scheme of the store root through a small registry.

`file://` (and plain paths) get `LocalBackend`: atomic temp-file-plus-rename writes on a local
folder. Every other scheme gets `FsspecBackend`; its filesystem comes from Airflow's object-storage
layer (`airflow.sdk.io.attach`) when a credentials connection is configured, so the provider that
owns the scheme (amazon for s3, google for gs ...) applies the connection exactly as it does for
`ObjectStoragePath`; without a connection plain fsspec is used (environment credentials).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

from wfo.storage.atomic import atomic_writer, is_partial_file
from wfo.storage.errors import ObjectNotFoundError, StoreConfigurationError, UnsafeNameError
from wfo.storage.limits import copy_stream_limited

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its key (relative to the store root), size in bytes, last change."""

    key: str
    size: int
    modified: datetime | None


class Backend(ABC):
    """Storage operations on canonical keys (already checked by `safe_relative_path`)."""

    url: str

    @abstractmethod
    def write(self, key: str, src: BinaryIO, max_bytes: int | None) -> int:
        """Store the content of `src` under `key` all-or-nothing; return its size."""

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        """A file to write `key` through; stored when the block ends cleanly, discarded otherwise."""
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
            yield buffer  # type: ignore[misc]
            buffer.seek(0)
            self.write(key, buffer, None)  # type: ignore[arg-type]

    @abstractmethod
    def open_read(self, key: str) -> BinaryIO:
        """Open `key` for reading; raise `ObjectNotFoundError` if it does not exist."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        """Objects at or under `prefix` (all objects for ""), sorted by key."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete one object; raise `ObjectNotFoundError` if it does not exist."""


def _copy(src: BinaryIO, dst: BinaryIO, max_bytes: int | None, key: str) -> int:
    if max_bytes is not None:
        return copy_stream_limited(src, dst, max_bytes, what=f"the upload for {key!r}")
    before = dst.tell()
    shutil.copyfileobj(src, dst, 1024 * 1024)
    return dst.tell() - before


class LocalBackend(Backend):
    """A folder on a local (or mounted) file system."""

    def __init__(self, url: str, conn_id: str = "") -> None:
        self.url = url
        parts = urlsplit(url)
        if parts.scheme in ("file", "local"):
            if parts.netloc not in ("", "localhost"):
                raise StoreConfigurationError(f"the store URL {url!r} names a remote host; use a local path")
            self.root = Path(unquote(parts.path))
        else:
            self.root = Path(url)
        if not self.root.is_absolute():
            raise StoreConfigurationError(f"the local store root {url!r} must be an absolute path")

    def _path(self, key: str) -> Path:
        path = self.root / key
        # Keys cannot contain "..", but a symlink planted inside the store could still point out.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise UnsafeNameError(f"the key {key!r} resolves outside the store (through a symbolic link)")
        return path

    def write(self, key: str, src: BinaryIO, max_bytes: int | None) -> int:
        with atomic_writer(self._path(key)) as dst:
            return _copy(src, dst, max_bytes, key)

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        with atomic_writer(self._path(key)) as handle:
            yield handle

    def open_read(self, key: str) -> BinaryIO:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFoundError(f"no object {key!r} in the store")
        return open(path, "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        start = self._path(prefix) if prefix else self.root
        if start.is_file():
            files = [start]
        elif start.is_dir():
            files = [p for p in start.rglob("*") if p.is_file() and not p.is_symlink()]
        else:
            return []
        found = []
        for path in files:
            if is_partial_file(path.name):
                continue
            details = path.stat()
            modified = datetime.fromtimestamp(details.st_mtime, tz=UTC)
            found.append(ObjectInfo(path.relative_to(self.root).as_posix(), details.st_size, modified))
        return sorted(found, key=lambda info: info.key)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFoundError(f"no object {key!r} in the store")
        path.unlink()
        # Drop folders emptied by the delete, so listings and `exists` match an object store.
        for parent in path.parents:
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            with contextlib.suppress(OSError):
                parent.rmdir()


def _filesystem(scheme: str, conn_id: str) -> AbstractFileSystem:
    if conn_id:
        from airflow.sdk.exceptions import AirflowNotFoundException
        from airflow.sdk.io import attach

        try:
            return attach(protocol=scheme, conn_id=conn_id).fs
        except AirflowNotFoundException:
            raise StoreConfigurationError(
                f"the object store connection {conn_id!r} does not exist; create it or unset "
                "WFO_OBJECT_STORE_CONN_ID"
            ) from None
        except ValueError as exc:
            raise StoreConfigurationError(
                f"cannot use connection {conn_id!r} for {scheme}:// URLs: {exc}; install the Airflow "
                "provider for this storage (e.g. apache-airflow-providers-amazon for s3)"
            ) from None
    import fsspec

    try:
        return fsspec.filesystem(scheme)
    except (ImportError, ValueError) as exc:
        raise StoreConfigurationError(f"no file system is available for {scheme}:// URLs: {exc}") from None


def _modified(info: dict[str, Any]) -> datetime | None:
    """The change time from an fsspec info dict; each implementation names it differently."""
    for field in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(field)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


class FsspecBackend(Backend):
    """Any fsspec file system: s3://, gs://, hdfs://, abfs://, memory:// ..."""

    def __init__(self, url: str, conn_id: str = "") -> None:
        self.url = url
        scheme = urlsplit(url).scheme
        self.fs = _filesystem(scheme, conn_id)
        self.root = self.fs._strip_protocol(url).rstrip("/")

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}" if key else self.root

    def write(self, key: str, src: BinaryIO, max_bytes: int | None) -> int:
        # Spool locally first: the remote object appears only once the whole upload is accepted.
        with tempfile.TemporaryDirectory(prefix="wfo-upload-") as spool:
            local = os.path.join(spool, "data")
            with open(local, "wb") as dst:
                size = _copy(src, dst, max_bytes, key)
            self.fs.put_file(local, self._path(key))
        return size

    def open_read(self, key: str) -> BinaryIO:
        try:
            if self.fs.isfile(self._path(key)):
                return self.fs.open(self._path(key), "rb")
        except FileNotFoundError:
            pass
        raise ObjectNotFoundError(f"no object {key!r} in the store")

    def exists(self, key: str) -> bool:
        return bool(self.fs.isfile(self._path(key)))

    def list_objects(self, prefix: str) -> list[ObjectInfo]:
        try:
            found = self.fs.find(self._path(prefix), detail=True)
        except FileNotFoundError:
            return []
        strip = len(self.root) + 1
        infos = [
            ObjectInfo(self.fs._strip_protocol(name)[strip:], int(info.get("size") or 0), _modified(info))
            for name, info in found.items()
            if info.get("type") != "directory"
        ]
        return sorted(infos, key=lambda info: info.key)

    def delete(self, key: str) -> None:
        if not self.exists(key):
            raise ObjectNotFoundError(f"no object {key!r} in the store")
        self.fs.rm_file(self._path(key))


BackendFactory = Callable[[str, str], Backend]

_REGISTRY: dict[str, BackendFactory] = {"": LocalBackend, "file": LocalBackend, "local": LocalBackend}


def register_backend(scheme: str, factory: BackendFactory) -> None:
    """Use `factory(url, conn_id)` for store URLs with this scheme (plugins, tests)."""
    _REGISTRY[scheme.lower()] = factory


def backend_for(url: str, conn_id: str = "") -> Backend:
    """The backend for a store root URL: a registered one for its scheme, else fsspec."""
    scheme = urlsplit(url).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        scheme = ""
    factory = _REGISTRY.get(scheme, FsspecBackend)
    return factory(url, conn_id)
