"""The object store: files (artifacts, jars, datasets, models) under `/`-separated keys.

Keys are user-influenced, so every key goes through `safe_relative_path` and can never address
anything outside the store root. The root URL and its credentials connection come from the
settings; the backend is chosen by the URL's scheme (`wfo.storage.backends`).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, Literal

from wfo.storage.atomic import atomic_writer
from wfo.storage.backends import Backend, ObjectInfo, backend_for
from wfo.storage.limits import check_size, read_limited
from wfo.storage.names import safe_relative_path

if TYPE_CHECKING:
    from wfo.settings import Settings


def normalise_key(key: str) -> str:
    """The canonical form of an object key (`a//b/./c` -> `a/b/c`); `UnsafeNameError` if unsafe."""
    return safe_relative_path(key, refuse_windows_devices=False)


def normalise_prefix(prefix: str) -> str:
    """Like `normalise_key`, but "" (and "/") mean the whole store."""
    return "" if prefix.strip("/") == "" else normalise_key(prefix)


class ObjectStore:
    """Read and write objects under one root URL (`file://...`, `s3://bucket/prefix`, `memory://...`)."""

    def __init__(self, url: str, conn_id: str = "") -> None:
        self.url = url
        self.conn_id = conn_id
        self.backend: Backend = backend_for(url, conn_id)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ObjectStore:
        """The store configured for this instance (`WFO_OBJECT_STORE_URL`, `..._CONN_ID`)."""
        if settings is None:
            from wfo.settings import get_settings

            settings = get_settings()
        return cls(settings.store_url, settings.object_store_conn_id)

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def put_stream(self, key: str, src: BinaryIO, *, max_bytes: int | None = None) -> int:
        """Store everything `src` yields under `key`; refuse past `max_bytes`. Returns the size.

        The object appears only when the whole stream was stored; on error the previous version
        (if any) stays.
        """
        return self.backend.write(normalise_key(key), src, max_bytes)

    def put_bytes(self, key: str, data: bytes, *, max_bytes: int | None = None) -> int:
        if max_bytes is not None:
            check_size(f"the upload for {key!r}", len(data), max_bytes)
        return self.put_stream(key, io.BytesIO(data))

    def put_file(self, key: str, local_path: str | os.PathLike[str], *, max_bytes: int | None = None) -> int:
        """Upload a local file; its size is checked against `max_bytes` before anything is sent."""
        if max_bytes is not None:
            check_size(f"the file {os.fspath(local_path)!r}", os.stat(local_path).st_size, max_bytes)
        with open(local_path, "rb") as src:
            return self.put_stream(key, src, max_bytes=max_bytes)

    @contextlib.contextmanager
    def open(self, key: str, mode: Literal["rb", "wb"] = "rb") -> Iterator[BinaryIO]:
        """Open an object as a binary file, in a `with` block.

        `rb` raises `ObjectNotFoundError` for a missing key. With `wb` the object is stored when the
        block ends without an exception, and not at all otherwise.
        """
        if mode == "rb":
            with self.backend.open_read(normalise_key(key)) as handle:
                yield handle
        elif mode == "wb":
            with self.backend.open_write(normalise_key(key)) as handle:
                yield handle
        else:
            raise ValueError(f"mode must be 'rb' or 'wb', not {mode!r}")

    def get_bytes(self, key: str, *, max_bytes: int | None = None) -> bytes:
        """The whole content of an object; refuse objects larger than `max_bytes`."""
        with self.open(key) as handle:
            if max_bytes is None:
                return handle.read()
            return read_limited(handle, max_bytes, what=f"the object {key!r}")

    def download_to(self, key: str, local_path: str | os.PathLike[str]) -> int:
        """Copy an object to a local file, atomically (no half-downloaded file is ever visible)."""
        with self.open(key) as src, atomic_writer(local_path) as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            return dst.tell()

    def exists(self, key: str) -> bool:
        return self.backend.exists(normalise_key(key))

    def list(self, prefix: str = "") -> builtins.list[ObjectInfo]:
        """Objects whose key is `prefix` or lies under the folder `prefix`, sorted by key."""
        return self.backend.list_objects(normalise_prefix(prefix))

    def delete(self, key: str, *, missing_ok: bool = False) -> bool:
        """Delete one object; return False (or raise `ObjectNotFoundError`) if it did not exist."""
        canonical = normalise_key(key)
        if missing_ok and not self.backend.exists(canonical):
            return False
        self.backend.delete(canonical)
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under the folder `prefix` (never the whole store); return the count."""
        canonical = normalise_key(prefix)
        infos = [info for info in self.backend.list_objects(canonical) if info.key != canonical]
        for info in infos:
            self.backend.delete(info.key)
        return len(infos)
