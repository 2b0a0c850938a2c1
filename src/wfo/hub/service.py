"""What the routes of the Notebooks page and the hub login call (no FastAPI here).

A user's own folder is their notebook root on the hub (`$WFO_HOME/notebooks/users/<name>`, the name as
JupyterHub normalises it: lower case); the common folder is `common_workspace` in the object store, the one
`CoutureJupyterOperator` reads (on the local store the hub links the same directory into every root).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from wfo.hub import component, tickets
from wfo.hub.errors import HubDisabled, NotANotebook, NotebookMissing
from wfo.hub.schemas import Folder, NotebookEntry, NotebookList, NotebookLogin
from wfo.notebooks.errors import InvalidNotebookError, NotebookNotFoundError
from wfo.notebooks.workspace import (
    MAX_NOTEBOOK_BYTES,
    NOTEBOOK_EXTENSION,
    WORKSPACE,
    NotebookWorkspace,
    notebook_path,
    parse_notebook,
)
from wfo.settings import Settings
from wfo.storage.errors import UnsafeNameError
from wfo.storage.names import safe_relative_path


def hub_user_name(username: str) -> str:
    """The user's name on the hub (JupyterHub's default normalisation: lower case)."""
    return username.lower()


def login(settings: Settings, username: str) -> NotebookLogin:
    """A hub login link for `username`, with a fresh ticket (60 s, single use)."""
    if not settings.jupyter:
        raise HubDisabled("this instance runs without the notebook hub (WFO_JUPYTER=off)")
    ticket = tickets.issue(settings.home, username)
    return NotebookLogin(url=f"{component.public_url(settings)}/hub{component.LOGIN_PATH}?ticket={ticket}")


def own_folder(settings: Settings, username: str) -> Path:
    return component.users_dir(settings) / hub_user_name(username)


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _own_path(settings: Settings, username: str, path: str) -> Path:
    """The file `path` of the user's own folder; never through a link (common_workspace has its own folder)."""
    try:
        relative = safe_relative_path(path)
    except UnsafeNameError as exc:
        raise NotANotebook(f"the notebook path is refused: {exc}") from None
    if not relative.endswith(NOTEBOOK_EXTENSION):
        raise NotANotebook(f"{path!r} is not a notebook: the name must end with {NOTEBOOK_EXTENSION}")
    if relative.split("/")[0] == WORKSPACE or any(p.startswith(".") for p in relative.split("/")):
        raise NotANotebook(f"{path!r} is not a path of your own folder")
    root = own_folder(settings, username)
    target = root / relative
    current = root
    for part in relative.split("/"):
        current = current / part
        if current.is_symlink():
            raise NotANotebook(f"{path!r} goes through a link; open it in its own folder")
    return target


def list_notebooks(settings: Settings, username: str, workspace: NotebookWorkspace) -> NotebookList:
    """The user's own notebooks and those of common_workspace, each sorted by path."""
    entries: list[NotebookEntry] = []
    root = own_folder(settings, username)
    if root.is_dir():
        for folder, dirs, files in os.walk(root):  # does not follow links (common_workspace is one)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(NOTEBOOK_EXTENSION) and not name.startswith("."):
                    path = Path(folder) / name
                    info = path.lstat()
                    entries.append(
                        NotebookEntry(
                            folder="own",
                            path=path.relative_to(root).as_posix(),
                            size=info.st_size,
                            modified=_utc(info.st_mtime),
                        )
                    )
    for item in workspace.list():
        relative = item.path.removeprefix(f"{WORKSPACE}/")
        if relative.endswith(NOTEBOOK_EXTENSION) and ".ipynb_checkpoints/" not in f"/{relative}":
            entries.append(
                NotebookEntry(folder="common", path=relative, size=item.size, modified=item.modified)
            )
    hub = component.public_url(settings) if settings.jupyter else None
    return NotebookList(notebooks=entries, hub_url=hub)


def read_notebook(
    settings: Settings, username: str, workspace: NotebookWorkspace, folder: Folder, path: str
) -> bytes:
    if folder == "common":
        try:
            return workspace.read_bytes(notebook_path(path))
        except NotebookNotFoundError as exc:
            raise NotebookMissing(str(exc)) from None
    target = _own_path(settings, username, path)
    if not target.is_file():
        raise NotebookMissing(f"there is no notebook {path!r} in your folder")
    if target.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotANotebook(f"{path!r} is larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MiB")
    return target.read_bytes()


def upload_notebook(
    settings: Settings,
    username: str,
    workspace: NotebookWorkspace,
    folder: Folder,
    path: str,
    data: bytes,
) -> NotebookEntry:
    """Store an uploaded notebook (checked to be nbformat 4) at `path` of `folder`, replacing one there."""
    try:
        parse_notebook(data, path)
    except InvalidNotebookError as exc:
        raise NotANotebook(str(exc)) from None
    if folder == "common":
        relative = notebook_path(path)
        workspace.write_bytes(relative, data)
        return NotebookEntry(folder="common", path=relative, size=len(data), modified=dt.datetime.now(dt.UTC))
    target = _own_path(settings, username, path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(f".{target.name}.upload")
    partial.write_bytes(data)
    os.replace(partial, target)
    return NotebookEntry(
        folder="own",
        path=target.relative_to(own_folder(settings, username)).as_posix(),
        size=len(data),
        modified=_utc(target.stat().st_mtime),
    )


def delete_notebook(
    settings: Settings, username: str, workspace: NotebookWorkspace, folder: Folder, path: str
) -> str:
    """Delete a notebook; returns its path as listed."""
    if folder == "common":
        from wfo.notebooks.workspace import notebook_key

        relative = notebook_path(path)
        if not workspace.store.delete(notebook_key(relative), missing_ok=True):
            raise NotebookMissing(f"there is no notebook {relative!r} in {WORKSPACE}")
        return relative
    target = _own_path(settings, username, path)
    if not target.is_file():
        raise NotebookMissing(f"there is no notebook {path!r} in your folder")
    target.unlink()
    return target.relative_to(own_folder(settings, username)).as_posix()


def render_html(data: bytes, title: str) -> str:
    """The notebook as static HTML (nbconvert, JupyterLab's look); its outputs are untrusted HTML, so the
    route serves it with a sandboxing Content-Security-Policy (no scripts, no network)."""
    import nbformat
    from nbconvert import HTMLExporter

    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)  # type: ignore[no-untyped-call]
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotANotebook(f"{title!r} is not a readable notebook: {exc}") from None
    exporter = HTMLExporter(template_name="lab")  # type: ignore[no-untyped-call]
    exporter.exclude_input_prompt = False
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return str(body)


def folder_of(path: str) -> tuple[Folder, str]:
    """A path relative to the user's notebook root on the hub: `common_workspace/...` is the common folder
    (as the hub shows it), anything else the user's own folder."""
    if not isinstance(path, str) or not path.strip():
        raise NotANotebook("give the notebook's path, e.g. common_workspace/report.ipynb")
    cleaned = path.strip()
    if cleaned.startswith(f"{WORKSPACE}/"):
        return "common", cleaned[len(WORKSPACE) + 1 :]
    return "own", path.strip()
