"""The DAGs folder as a versioned store: every save, upload, delete and restore is a git commit.

`DagFolder` knows files, revisions and history; it does not validate code (that is
`wfo.dagfiles.service`). Writes are serialised by a lock held across processes (several api-server
workers): under it the base revision is compared with the file on disk, edits made by hand in the
folder are committed first as an "external change" (so they are never lost), the new content is
written atomically (temporary file + rename) and committed with the user as author.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from wfo.dagfiles.errors import (
    DagFileNotFound,
    DagFileTooLarge,
    InvalidDagFileContent,
    InvalidDagFileName,
    RevisionConflict,
)
from wfo.dagfiles.gitrepo import GitRepo, LogEntry, blob_id
from wfo.storage.atomic import atomic_writer, is_partial_file
from wfo.storage.errors import UnsafeNameError
from wfo.storage.limits import MiB, format_size
from wfo.storage.names import safe_relative_path

# A DAG file is code a person edits; anything bigger is almost surely a mistake (or data). Every route
# that parses code (validate, upgrade, save, upload, import) checks this before parsing.
MAX_FILE_BYTES = 1 * MiB
ACTIONS = ("create", "update", "delete", "restore", "import", "upload")
_STATUS_ACTION = {"A": "create", "D": "delete", "R": "create", "C": "create"}
_PROCESS_LOCK = threading.Lock()
EXTERNAL_AUTHOR = ("external change", "external@wfo.invalid")


def check_name(name: str) -> str:
    """The canonical relative path of a DAG file, or `InvalidDagFileName` with the reason."""
    try:
        path = safe_relative_path(name)
    except UnsafeNameError as exc:
        raise InvalidDagFileName(str(exc)) from None
    parts = path.split("/")
    if any(part.startswith(".") for part in parts):
        raise InvalidDagFileName(f"{path!r} is refused: hidden files and folders are not DAG files")
    if "__pycache__" in parts:
        raise InvalidDagFileName(f"{path!r} is refused: __pycache__ holds byte code, not DAG files")
    if not path.endswith(".py") or path == ".py" or parts[-1] == ".py":
        raise InvalidDagFileName(f"{path!r} is refused: a DAG file name must end with .py")
    return path


def _check_size(name: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise DagFileTooLarge(
            f"{name!r} is {format_size(size)}, more than the limit of {format_size(MAX_FILE_BYTES)} "
            f"({MAX_FILE_BYTES} bytes) for a DAG file"
        )


def encode_source(name: str, content: str) -> bytes:
    """The UTF-8 bytes of a DAG file's text, or `DagFileTooLarge` / `InvalidDagFileContent`.

    The size is checked before the text is encoded or parsed (a character is at most 4 bytes, so
    text of more than the limit in characters is too large whatever it holds).
    """
    if len(content) > MAX_FILE_BYTES:
        _check_size(name, len(content))
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidDagFileContent(
            f"{name!r} is not valid text: it holds the lone surrogate U+{ord(content[exc.start]):04X} "
            f"at character {exc.start}"
        ) from None
    _check_size(name, len(data))
    return data


def decode_source(name: str, data: bytes) -> str:
    """The text of an uploaded DAG file, or `InvalidDagFileContent` (too large, not UTF-8)."""
    _check_size(name, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDagFileContent(f"{name!r} is not UTF-8 text (byte {exc.start})") from None


@dataclass(frozen=True)
class DagFile:
    name: str
    size: int
    modified: datetime
    revision: str


@dataclass(frozen=True)
class Revision:
    """One entry of a file's history."""

    commit: str
    revision: str | None
    author: str
    time: str
    message: str
    action: str


@dataclass(frozen=True)
class Change:
    """The result of a write: the file's new revision and the commit (None if nothing changed)."""

    name: str
    revision: str | None
    commit: str | None


@dataclass(frozen=True)
class ImportResult:
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    commit: str | None


class DagFolder:
    """The DAGs folder at `path`, versioned by a git repository inside it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = GitRepo(path)

    @classmethod
    def from_settings(cls) -> DagFolder:
        from wfo.settings import get_settings

        return cls(get_settings().dags_folder)

    # --- reading ---------------------------------------------------------------------------------------
    def files(self) -> list[DagFile]:
        """Every `.py` file of the folder (subfolders included, hidden ones and `.git` skipped)."""
        found: list[DagFile] = []
        if not self.path.is_dir():
            return found
        for root, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for filename in sorted(names):
                if not filename.endswith(".py") or filename.startswith(".") or is_partial_file(filename):
                    continue
                full = Path(root) / filename
                if full.is_symlink() or not full.is_file():
                    continue
                data = full.read_bytes()
                found.append(
                    DagFile(
                        name=full.relative_to(self.path).as_posix(),
                        size=len(data),
                        modified=datetime.fromtimestamp(full.stat().st_mtime, UTC),
                        revision=blob_id(data),
                    )
                )
        return sorted(found, key=lambda f: f.name)

    def _file(self, name: str) -> Path:
        """The file's path; links (the file or a folder on the way) are refused, never followed."""
        full = self.path / name
        if full.is_symlink():
            raise DagFileNotFound(f"{name!r} is a symbolic link; wfo does not follow links")
        if not full.parent.resolve().is_relative_to(self.path.resolve()):
            raise InvalidDagFileName(f"{name!r} is inside a linked folder that leads out of the DAGs folder")
        return full

    def read(self, name: str) -> tuple[DagFile, str]:
        """A file's metadata and text; `DagFileNotFound` if it does not exist."""
        name = check_name(name)
        full = self._file(name)
        if not full.is_file():
            raise DagFileNotFound.no_file(name)
        data = full.read_bytes()
        info = DagFile(name, len(data), datetime.fromtimestamp(full.stat().st_mtime, UTC), blob_id(data))
        return info, data.decode("utf-8", errors="replace")

    def current_revision(self, name: str) -> str | None:
        full = self._file(check_name(name))
        return blob_id(full.read_bytes()) if full.is_file() else None

    def history(self, name: str) -> list[Revision]:
        """Every commit that touched the file, newest first (404 if it never existed)."""
        name = check_name(name)
        self._ensure()
        entries = self.repo.log(name)
        if not entries and not self._file(name).is_file():
            raise DagFileNotFound.nowhere(name)
        return [_revision(entry) for entry in entries]

    def content_at(self, name: str, commit: str) -> tuple[str, str]:
        """(full commit id, text of the file at that commit)."""
        name = check_name(name)
        self._ensure()
        full = self._commit(commit)
        data = self.repo.content_at(full, name)
        if data is None:
            raise DagFileNotFound.not_at(name, commit)
        return full, data.decode("utf-8", errors="replace")

    def diff(self, name: str, from_commit: str, to: str = "working") -> tuple[str, str, str]:
        """(unified diff, from content, to content); `to` is a commit or "working" (the file now).

        A side where the file does not exist counts as empty; `DagFileNotFound` when neither has it.
        """
        name = check_name(name)
        self._ensure()
        before = self.repo.content_at(self._commit(from_commit), name)
        if to == "working":
            full = self._file(name)
            after = full.read_bytes() if full.is_file() else None
        else:
            after = self.repo.content_at(self._commit(to), name)
        if before is None and after is None:
            raise DagFileNotFound.nowhere(name)
        old = (before or b"").decode("utf-8", errors="replace")
        new = (after or b"").decode("utf-8", errors="replace")
        return unified_diff(name, old, new), old, new

    def export_tar_gz(self, out: BinaryIO, *, include: Callable[[str], bool] | None = None) -> list[str]:
        """Write a deterministic tar.gz of the `.py` files (no `.git`, no byte code) to `out`.

        `include` keeps only the files (relative names) it accepts, e.g. those a user may read.
        """
        from wfo.storage.tarball import write_tar_gz

        keep = {f.name for f in self.files() if include is None or include(f.name)}
        parents = {str(Path(name).parent) for name in keep}
        folders = {p for name in parents for p in [name, *map(str, Path(name).parents)] if p != "."}

        def exclude(relative: str) -> bool:
            return relative not in keep and relative not in folders

        self.path.mkdir(parents=True, exist_ok=True)
        write_tar_gz(self.path, out, exclude=exclude)
        return sorted(keep)

    def _commit(self, ref: str) -> str:
        full = self.repo.resolve_commit(ref) if self.repo.has_commits() else None
        if full is None:
            raise DagFileNotFound(f"there is no commit {ref!r} in the DAGs folder's history")
        return full

    # --- writing ---------------------------------------------------------------------------------------
    def save(
        self,
        name: str,
        content: str,
        base_revision: str | None,
        author: str,
        *,
        message: str | None = None,
        action: str | None = None,
    ) -> Change:
        """Write one file if it is still at `base_revision` (None: it must not exist yet)."""
        name = check_name(name)
        data = encode_source(name, content)
        with self._locked():
            current = self.current_revision(name)
            self._check_base(name, base_revision, current, creating=True)
            if current == blob_id(data):
                last = self.repo.last_commit_of(name)
                return Change(name, current, last.commit if last else None)
            with atomic_writer(self._file(name)) as out:
                out.write(data)
            kind = action or ("create" if current is None else "update")
            commit = self._commit_change(
                [name], message or f"{'Create' if current is None else 'Save'} {name}", kind, author
            )
            return Change(name, blob_id(data), commit)

    def delete(
        self, name: str, base_revision: str | None, author: str, *, message: str | None = None
    ) -> Change:
        """Delete a file (if `base_revision` is given, only while the file is still at it)."""
        name = check_name(name)
        with self._locked():
            current = self.current_revision(name)
            if current is None:
                raise DagFileNotFound.no_file(name)
            if base_revision is not None:
                self._check_base(name, base_revision, current, creating=False)
            (self.path / name).unlink()
            commit = self._commit_change([name], message or f"Delete {name}", "delete", author)
            return Change(name, None, commit)

    def write_many(self, files: Mapping[str, str], author: str, *, message: str, action: str) -> ImportResult:
        """Write several files in ONE commit: every file is staged first, then all are renamed in."""
        checked = {check_name(name): encode_source(name, content) for name, content in files.items()}
        added, changed, unchanged = [], [], []
        with self._locked():
            for name, data in sorted(checked.items()):
                current = self.current_revision(name)
                target = self._file(name)
                if target.exists() and not target.is_file():
                    raise InvalidDagFileName(f"{name!r} cannot be written: a folder of that name exists")
                if current is None:
                    added.append(name)
                elif current == blob_id(data):
                    unchanged.append(name)
                else:
                    changed.append(name)
            with contextlib.ExitStack() as stack:
                # Entering every writer before the first rename: a failure leaves no file replaced.
                writers = [
                    stack.enter_context(atomic_writer(self.path / name)) for name in [*added, *changed]
                ]
                for out, name in zip(writers, [*added, *changed], strict=True):
                    out.write(checked[name])
            commit = None
            if added or changed:
                commit = self._commit_change([*added, *changed], message, action, author)
        return ImportResult(added, changed, unchanged, commit)

    def _check_base(self, name: str, base: str | None, current: str | None, *, creating: bool) -> None:
        if base == current:
            return
        if base is None and creating:
            raise RevisionConflict(
                f"{name!r} already exists; open it and save a new revision instead",
                self._current_details(name, current),
            )
        if current is None:
            raise RevisionConflict(
                f"{name!r} was deleted since you opened it", self._current_details(name, current)
            )
        raise RevisionConflict(
            f"{name!r} was changed since you opened it; review the other change before saving",
            self._current_details(name, current),
        )

    def _current_details(self, name: str, current: str | None) -> dict[str, Any]:
        full = self.path / name
        content = full.read_bytes().decode("utf-8", errors="replace") if current is not None else None
        last = self.repo.last_commit_of(name) if self.repo.has_commits() else None
        # An edit made by hand and not committed yet has no author in the history.
        by_hand = last is None or (current is not None and last.blob != current)
        return {
            "current_revision": current,
            "current_content": content,
            "current_author": EXTERNAL_AUTHOR[0] if by_hand or last is None else last.author,
            "current_time": (
                datetime.fromtimestamp(full.stat().st_mtime, UTC).isoformat()
                if by_hand and current is not None
                else (last.time if last else None)
            ),
        }

    def _commit_change(self, paths: list[str], message: str, action: str, author: str) -> str | None:
        text = f"{message.strip() or 'Change ' + ', '.join(paths)}\n\nWfo-Action: {action}\n"
        return self.repo.commit_all(text, _author(author), paths)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the write lock (threads of this process, then other processes), after committing
        edits made outside wfo."""
        with _PROCESS_LOCK:
            self._ensure()
            with open(self.repo.git_dir / "wfo-write.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    self._commit_external_changes()
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def _ensure(self) -> None:
        self.repo.ensure()

    def _commit_external_changes(self) -> None:
        if self.repo.is_dirty():
            first = not self.repo.has_commits()
            message = "Start the history of the DAGs folder" if first else "External change"
            self.repo.commit_all(f"{message}\n\nWfo-Action: external\n", EXTERNAL_AUTHOR)


def _author(username: str) -> tuple[str, str]:
    safe = "".join(ch for ch in username if ch.isprintable() and ch not in "<>\n") or "unknown"
    return safe, f"{safe.replace(' ', '.')}@wfo.invalid"


def _revision(entry: LogEntry) -> Revision:
    action = entry.trailer_action
    if action not in ACTIONS:
        # Commits made by hand, or the "external change" commits: the kind of change tells.
        action = _STATUS_ACTION.get(entry.status, "update")
    return Revision(entry.commit, entry.blob, entry.author, entry.time, entry.message, action)


def unified_diff(name: str, old: str, new: str) -> str:
    """A unified diff `a/<name>` -> `b/<name>` ("" when equal)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
