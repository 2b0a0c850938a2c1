"""The shared notebook workspace `common_workspace`: a folder of the object store.

Every notebook users share lives under the key prefix `notebooks/common_workspace/`; a notebook
server mounts that folder, and `CoutureJupyterOperator` reads and writes there (task-side too: the
store's credentials come from an Airflow connection, never from the DB). Users name notebooks
relative to the workspace, with or without the folder's name in front:

    'common_workspace/report.ipynb', 'report.ipynb'    -> notebooks/common_workspace/report.ipynb
    'common_workspace/team/q3.ipynb', 'team/q3.ipynb'  -> notebooks/common_workspace/team/q3.ipynb

Anything that would leave the folder (`..`, absolute paths, `~`, URLs such as `s3://...`) is
refused with `WorkspacePathError` before any I/O.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wfo.extras import require_extra
from wfo.notebooks.errors import InvalidNotebookError, NotebookNotFoundError, WorkspacePathError
from wfo.storage.errors import ObjectNotFoundError, UnsafeNameError
from wfo.storage.limits import MiB
from wfo.storage.names import safe_relative_path
from wfo.storage.objectstore import ObjectStore

WORKSPACE = "common_workspace"
PREFIX = f"notebooks/{WORKSPACE}"
NOTEBOOK_EXTENSION = ".ipynb"
# Outputs with plots embedded grow large; beyond this a notebook is not something a browser opens.
MAX_NOTEBOOK_BYTES = 100 * MiB

_EXAMPLE = f"'{WORKSPACE}/report.ipynb'"


def workspace_path(path: str) -> str:
    """The canonical path of `path` inside the workspace (`'team/q3.ipynb'`), or `WorkspacePathError`.

    A leading `common_workspace/` is dropped; `./` and doubled slashes are normalised away.
    """
    if not isinstance(path, str):
        raise WorkspacePathError(f"a notebook path must be text, not {type(path).__name__}")
    if "://" in path or path.lower().startswith(("file:", "s3:", "gs:", "hdfs:")):
        raise WorkspacePathError(
            f"the notebook path {path!r} is a URL; notebooks live in {WORKSPACE}: give a path "
            f"such as {_EXAMPLE}"
        )
    if path.startswith("~"):
        raise WorkspacePathError(
            f"the notebook path {path!r} points into a home folder; only {WORKSPACE} is shared with "
            f"tasks: give a path such as {_EXAMPLE}"
        )
    if path.startswith("/"):
        raise WorkspacePathError(
            f"the notebook path {path!r} is absolute; give it relative to {WORKSPACE}, e.g. {_EXAMPLE}"
        )
    try:
        canonical = safe_relative_path(path)
    except UnsafeNameError as exc:
        raise WorkspacePathError(f"the notebook path is outside {WORKSPACE} or unsafe: {exc}") from None
    segments = canonical.split("/")
    if segments[0] == WORKSPACE:
        segments = segments[1:]
    if not segments:
        raise WorkspacePathError(f"the path {path!r} names the workspace folder itself, not a notebook")
    return "/".join(segments)


def notebook_path(path: str) -> str:
    """Like `workspace_path`, but the path must name a notebook (`.ipynb`)."""
    relative = workspace_path(path)
    if not relative.endswith(NOTEBOOK_EXTENSION):
        raise WorkspacePathError(f"{path!r} is not a notebook: the name must end with {NOTEBOOK_EXTENSION}")
    return relative


def notebook_key(path: str) -> str:
    """The object-store key of the notebook `path` (`notebooks/common_workspace/...`)."""
    return f"{PREFIX}/{notebook_path(path)}"


def display_path(relative: str) -> str:
    """How users see a workspace path: `common_workspace/team/q3.ipynb`."""
    return f"{WORKSPACE}/{relative}"


@dataclass(frozen=True)
class WorkspaceEntry:
    """One file of the workspace, as users name it."""

    path: str
    size: int
    modified: datetime | None


class NotebookWorkspace:
    """Read, write and list the notebooks of `common_workspace` in one object store."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    @classmethod
    def from_settings(cls) -> NotebookWorkspace:
        """The workspace of this instance's store (usable in task processes on any worker)."""
        return cls(ObjectStore.from_settings())

    def exists(self, path: str) -> bool:
        return self.store.exists(notebook_key(path))

    def read_bytes(self, path: str) -> bytes:
        key = notebook_key(path)
        try:
            return self.store.get_bytes(key, max_bytes=MAX_NOTEBOOK_BYTES)
        except ObjectNotFoundError:
            raise NotebookNotFoundError(
                f"there is no notebook {display_path(notebook_path(path))!r}"
            ) from None

    def read(self, path: str) -> dict:
        """The notebook as JSON data (the nbformat document)."""
        return parse_notebook(self.read_bytes(path), path)

    def write_bytes(self, path: str, data: bytes) -> str:
        """Store a notebook (checked to be one) at `path`; returns its display path. All or nothing."""
        key = notebook_key(path)
        parse_notebook(data, path)
        self.store.put_bytes(key, data, max_bytes=MAX_NOTEBOOK_BYTES)
        return display_path(notebook_path(path))

    def write(self, path: str, notebook: dict) -> str:
        return self.write_bytes(path, (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode())

    def download_to(self, path: str, local_path: str | os.PathLike[str]) -> Path:
        """Copy the notebook `path` to a local file (for a kernel to run); returns the local path."""
        key = notebook_key(path)
        try:
            self.store.download_to(key, local_path)
        except ObjectNotFoundError:
            raise NotebookNotFoundError(
                f"there is no notebook {display_path(notebook_path(path))!r}"
            ) from None
        return Path(local_path)

    def upload_from(self, local_path: str | os.PathLike[str], path: str) -> str:
        """Store a local notebook file at `path`; returns its display path."""
        self.store.put_file(notebook_key(path), local_path, max_bytes=MAX_NOTEBOOK_BYTES)
        return display_path(notebook_path(path))

    def list(self, folder: str = "") -> list[WorkspaceEntry]:
        """Every file at or under `folder` of the workspace (the whole workspace for ""), sorted."""
        relative = "" if folder.strip("/") in ("", WORKSPACE) else workspace_path(folder)
        prefix = f"{PREFIX}/{relative}" if relative else PREFIX
        return [
            WorkspaceEntry(display_path(info.key[len(PREFIX) + 1 :]), info.size, info.modified)
            for info in self.store.list(prefix)
            if info.key.startswith(PREFIX + "/")
        ]


def parse_notebook(data: bytes, path: str = "the notebook") -> dict:
    """Check that `data` is an nbformat 4 notebook; return it as JSON data, or `InvalidNotebookError`."""
    require_extra("notebooks", "The notebook workspace", ("nbformat",))
    import nbformat

    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidNotebookError(
            f"{path} is not a Jupyter notebook: it is not valid JSON ({exc})"
        ) from None
    if not isinstance(document, dict) or document.get("nbformat") != 4:
        raise InvalidNotebookError(f"{path} is not a Jupyter notebook in format 4 (nbformat: 4 is missing)")
    try:
        nbformat.validate(document)
    except nbformat.ValidationError as exc:
        raise InvalidNotebookError(f"{path} is not a valid Jupyter notebook: {exc.message}") from None
    return document
