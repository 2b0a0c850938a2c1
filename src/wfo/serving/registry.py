"""Which models this server serves: the object store's manifests, polled, loaded in the background.

Every `poll_seconds` one listing of `models/` tells which manifests and access files changed (by size
and time); only those are read again. A new latest version loads in a worker thread while the
previous one keeps answering; the switch is one dictionary assignment. A load that fails marks the
model failed with the reason (the previous version, if any, still serves) and touches no other
model. A deleted model stops being served at the next poll.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfo.repositories.model_files import SERVED_KINDS
from wfo.repositories.models import (
    ACCESS,
    MANIFEST,
    PREFIX,
    ModelAccess,
    ModelManifest,
    read_access,
    read_manifest,
    version_key,
)
from wfo.serving.errors import ModelNotReadyError, ModelNotServedError
from wfo.serving.runtimes import load_runtime
from wfo.serving.runtimes.base import Runtime
from wfo.storage.objectstore import ObjectStore

log = logging.getLogger(__name__)


@dataclass
class Served:
    """One model name as this server sees it."""

    name: str
    kind: str
    wanted: int  # the manifest's latest version
    state: str = "loading"  # loading | serving | failed
    version: int | None = None  # the version that answers
    runtime: Runtime | None = None
    error: str | None = None
    loaded_at: float | None = None
    # Older versions kept loaded on request (`/versions/{v}` routes): version -> runtime.
    pinned: dict[int, Runtime] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state,
            "version": self.version,
            "latest": self.wanted,
            "error": self.error,
        }


class Registry:
    def __init__(
        self,
        store: ObjectStore,
        cache_dir: Path | None = None,
        *,
        poll_seconds: float = 1.0,
        freeze_gc: bool = False,
    ) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.freeze_gc = freeze_gc
        self.cache_dir = cache_dir or Path(tempfile.mkdtemp(prefix="wfo-model-server-"))
        self.models: dict[str, Served] = {}
        self.manifests: dict[str, ModelManifest] = {}
        self.access: dict[str, ModelAccess] = {}
        self._seen: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()
        self._loader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="model-load")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.polled_once = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="model-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loader.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # a store hiccup must not end polling
                log.exception("polling the object store for models failed")
            self.polled_once.set()
            self._stop.wait(self.poll_seconds)

    # --- polling -----------------------------------------------------------------------------------------
    def poll(self) -> None:
        current: dict[str, tuple[int, Any]] = {}
        for info in self.store.list(PREFIX):
            parts = info.key.split("/")
            if len(parts) == 3 and parts[2] in (MANIFEST, ACCESS):
                current[info.key] = (info.size, info.modified)
        changed = {key for key, stamp in current.items() if self._seen.get(key) != stamp}
        gone = {key for key in self._seen if key not in current}
        self._seen = current
        for key in sorted(changed | gone):
            name, file = key.split("/")[1:]
            try:
                if file == ACCESS:
                    self.access[name] = read_access(self.store, name) if key in current else ModelAccess()
                elif key in current:
                    self._manifest_changed(read_manifest(self.store, name))
                else:
                    self._remove(name)
            except Exception:  # one unreadable file must not stop the others; it is read again next poll
                log.exception("reading %s failed; trying again at the next poll", key)
                self._seen.pop(key, None)

    def _manifest_changed(self, manifest: ModelManifest) -> None:
        self.manifests[manifest.name] = manifest
        if manifest.kind not in SERVED_KINDS:
            return
        with self._lock:
            served = self.models.get(manifest.name)
            if served is not None and served.kind != manifest.kind:
                self._close(served)
                served = None
            if served is None:
                served = Served(manifest.name, manifest.kind, manifest.latest)
                self.models[manifest.name] = served
            elif served.wanted == manifest.latest and served.state != "failed":
                return
            elif served.wanted == manifest.latest and served.version == manifest.latest:
                return
            else:
                served.wanted = manifest.latest
                served.state = "loading"
                served.error = None
        self._loader.submit(self._load, manifest, manifest.latest)

    def _remove(self, name: str) -> None:
        self.manifests.pop(name, None)
        with self._lock:
            served = self.models.pop(name, None)
        if served is not None:
            self._close(served)
        shutil.rmtree(self.cache_dir / name, ignore_errors=True)

    @staticmethod
    def _close(served: Served) -> None:
        for runtime in (served.runtime, *served.pinned.values()):
            if runtime is not None:
                with contextlib.suppress(Exception):
                    runtime.close()

    # --- loading -----------------------------------------------------------------------------------------
    def _fetch(self, manifest: ModelManifest, version: int) -> tuple[Path, dict[str, Any]]:
        entry = manifest.version(version)
        folder = self.cache_dir / manifest.name / f"v{version}"
        target = folder / entry.filename
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            self.store.download_to(version_key(manifest.name, version, entry.filename), target)
        return target, entry.signature

    def load_version(self, manifest: ModelManifest, version: int) -> Runtime:
        path, signature = self._fetch(manifest, version)
        return load_runtime(manifest.kind, path, signature)

    def _load(self, manifest: ModelManifest, version: int) -> None:
        started = time.monotonic()
        try:
            runtime = self.load_version(manifest, version)
        except BaseException as exc:  # noqa: BLE001 - any failure stays with this model
            log.warning("model %s version %s failed to load: %s", manifest.name, version, exc)
            with self._lock:
                served = self.models.get(manifest.name)
                if served is not None and served.wanted == version:
                    served.state = "failed"
                    served.error = f"{type(exc).__name__}: {exc}"[:2000]
                    if served.runtime is not None:
                        # The previous version still answers; the page shows why the new one does not.
                        pass
            return
        with self._lock:
            served = self.models.get(manifest.name)
            if served is None or served.wanted != version:
                runtime.close()  # deleted or superseded while loading
                return
            previous = served.runtime
            served.runtime, served.version, served.state, served.error = runtime, version, "serving", None
            served.loaded_at = time.time()
        if previous is not None and previous is not runtime:
            previous.close()
        log.info(
            "model %s version %s serving (loaded in %.2f s)",
            manifest.name,
            version,
            time.monotonic() - started,
        )
        # What stays alive from here (the model, the libraries it imported) leaves the collector's
        # generations: a full collection then walks the objects of requests only, not hundreds of
        # thousands of long-lived ones, which was a pause of many milliseconds in the request path.
        # Unfrozen and collected first, so a replaced version's cycles are freed, not kept frozen: one
        # full collection per model load.
        if self.freeze_gc:
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    # --- lookups for the routes ----------------------------------------------------------------------------
    def runtime(
        self, name: str, version: int | None = None, kind: str | None = None
    ) -> tuple[Served, Runtime]:
        served = self.models.get(name)
        if served is None or (kind is not None and served.kind != kind):
            what = f"{kind} model" if kind else "model"
            raise ModelNotServedError(f"no {what} {name!r} is served here")
        if version is not None and version != served.version:
            return served, self._pinned(served, version)
        if served.runtime is None:
            if served.state == "failed":
                raise ModelNotReadyError(f"the model {name!r} failed to load: {served.error}")
            raise ModelNotReadyError(f"the model {name!r} is still loading; try again in a moment")
        return served, served.runtime

    def _pinned(self, served: Served, version: int) -> Runtime:
        runtime = served.pinned.get(version)
        if runtime is not None:
            return runtime
        manifest = self.manifests.get(served.name)
        if manifest is None or all(v.version != version for v in manifest.versions):
            raise ModelNotServedError(f"the model {served.name!r} has no version {version}")
        try:
            runtime = self.load_version(manifest, version)
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            raise ModelNotReadyError(
                f"version {version} of {served.name!r} cannot be loaded: {exc}"
            ) from None
        with self._lock:
            served.pinned.setdefault(version, runtime)
            return served.pinned[version]

    def states(self) -> dict[str, dict[str, Any]]:
        return {name: served.public() for name, served in sorted(self.models.items())}
