"""The git repository of the DAGs folder, driven through the `git` CLI with a fixed environment.

No user or system configuration is read (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`, a
private `HOME`), hooks are disabled and every path is passed after `--`, so what git does depends
only on this module and on the repository itself. Revisions are git blob ids, computed here in
Python (the same value `git hash-object` prints) so listing a folder needs no subprocess per file.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wfo.dagfiles.errors import GitError

# Settings given on every command line: they win over anything in the repository's config.
_FIXED_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.quotepath=off",
    "core.autocrlf=false",
    "core.fsmonitor=false",
    "commit.gpgsign=false",
    "log.showSignature=false",
)
# What never belongs in the history: byte code and our half-written temporary files.
_EXCLUDES = "__pycache__/\n*.pyc\n.*.wfo-partial\n"
COMMITTER = ("wfo", "wfo@wfo.invalid")
_COMMIT_ID = re.compile(r"[0-9a-f]{4,64}")
_RECORD, _FIELD = "\x1e", "\x1f"
TIMEOUT = 60.0


def blob_id(content: bytes) -> str:
    """The git blob id of `content`: what `git hash-object` prints for it."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def is_commit_id(text: str) -> bool:
    """Whether `text` looks like a (possibly abbreviated) commit id; anything else never reaches git."""
    return bool(_COMMIT_ID.fullmatch(text))


@dataclass(frozen=True)
class LogEntry:
    """One commit touching a file, with the file's blob id after it (None when it deleted the file)."""

    commit: str
    author: str
    time: str
    message: str
    trailer_action: str
    status: str
    blob: str | None


class GitRepo:
    """A git work tree at `path` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.git_dir = path / ".git"

    # --- running git ---------------------------------------------------------------------------------
    def _env(self, author: tuple[str, str] | None = None) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.git_dir),
            "XDG_CONFIG_HOME": str(self.git_dir / "no-config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            # File names are data: `a[1].py` or `*.py` must never match other files.
            "GIT_LITERAL_PATHSPECS": "1",
            "LC_ALL": "C",
            "TZ": "UTC",
            "GIT_COMMITTER_NAME": COMMITTER[0],
            "GIT_COMMITTER_EMAIL": COMMITTER[1],
        }
        name, email = author or COMMITTER
        env.update({"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email})
        return env

    def run(
        self,
        *args: str,
        author: tuple[str, str] | None = None,
        input_bytes: bytes | None = None,
        ok_codes: tuple[int, ...] = (0,),
    ) -> bytes:
        """Run `git <args>` in the work tree and return its standard output."""
        command = ["git"]
        for setting in _FIXED_CONFIG:
            command += ["-c", setting]
        command += list(args)
        try:
            done = subprocess.run(
                command,
                cwd=self.path,
                env=self._env(author),
                input=input_bytes,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"git {args[0]} could not run: {exc}") from None
        if done.returncode not in ok_codes:
            message = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
            raise GitError(f"git {args[0]} failed: {message}")
        return done.stdout

    # --- setup -----------------------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the folder and its repository if needed (idempotent)."""
        self.path.mkdir(parents=True, exist_ok=True)
        if not (self.git_dir / "HEAD").is_file():
            self.run("init", "--quiet", "--initial-branch=main")
        exclude = self.git_dir / "info" / "exclude"
        if not exclude.is_file() or exclude.read_text() != _EXCLUDES:
            exclude.parent.mkdir(parents=True, exist_ok=True)
            exclude.write_text(_EXCLUDES)

    def has_commits(self) -> bool:
        return bool(self.run("rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1)).strip())

    def is_dirty(self) -> bool:
        """Anything changed, added or removed in the work tree since the last commit."""
        return bool(self.run("status", "--porcelain=v1", "-z", "--untracked-files=all").strip())

    # --- writing ---------------------------------------------------------------------------------------
    def commit_all(self, message: str, author: tuple[str, str], paths: list[str] | None = None) -> str | None:
        """Stage `paths` (default: everything) and commit; None when there was nothing to commit."""
        self.run("add", "--all", "--", *(paths or ["."]))
        if self.has_commits():
            nothing_staged = not self.run("diff", "--cached", "--name-only", "-z").strip()
        else:
            nothing_staged = not self.run("ls-files", "-z").strip()
        if nothing_staged:
            return None
        self.run(
            "commit",
            "--quiet",
            "--no-verify",
            "--allow-empty-message",
            "--file=-",
            author=author,
            input_bytes=message.encode("utf-8"),
        )
        return self.run("rev-parse", "HEAD").decode().strip()

    # --- reading ---------------------------------------------------------------------------------------
    def resolve_commit(self, ref: str) -> str | None:
        """The full id of commit `ref` (a hex id or HEAD), or None when there is no such commit."""
        if ref != "HEAD" and not is_commit_id(ref):
            return None
        out = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok_codes=(0, 1))
        return out.decode().strip() or None

    def content_at(self, commit: str, path: str) -> bytes | None:
        """The bytes of `path` at `commit` (a full id from `resolve_commit`), None if it did not exist."""
        listed = self.run("ls-tree", "-z", commit, "--", path)
        if not listed.strip(b"\0"):
            return None
        meta, _, _ = listed.partition(b"\t")
        kind, blob = meta.split()[1:3]
        if kind != b"blob":
            return None
        return self.run("cat-file", "blob", blob.decode())

    def last_commit_of(self, path: str) -> LogEntry | None:
        entries = self.log(path, limit=1)
        return entries[0] if entries else None

    def log(self, path: str, limit: int | None = None) -> list[LogEntry]:
        """Commits touching `path`, newest first.

        Not `--follow`: for a new file it searches every other file for a similar one, so a DAG
        created from a copy of another would show that other file's history as its own. wfo never
        renames; a rename made by hand shows as a delete of the old name and a create of the new.
        """
        if not self.has_commits():
            return []
        fmt = (
            _RECORD
            + _FIELD.join(("%H", "%an", "%aI", "%B", "%(trailers:key=Wfo-Action,valueonly,separator=)"))
            + _FIELD
        )
        args = ["log", "--no-renames", "--raw", "--no-abbrev", "-z", f"--format={fmt}"]
        if limit is not None:
            args.append(f"--max-count={limit}")
        out = self.run(*args, "--", path).decode("utf-8", errors="replace")
        entries = []
        for record in out.split(_RECORD)[1:]:
            commit, author, time, body, action, raw = record.split(_FIELD, 5)
            status, blob = _raw_change(raw)
            entries.append(LogEntry(commit, author, time, _strip_trailer(body), action.strip(), status, blob))
        return entries


def _raw_change(raw: str) -> tuple[str, str | None]:
    """The status letter and new blob id from `--raw -z` output (`:100644 100644 old new M\\0path\\0`)."""
    for chunk in raw.split("\0"):
        chunk = chunk.strip()
        if chunk.startswith(":"):
            parts = chunk[1:].split()
            if len(parts) >= 5:
                new = parts[3]
                status = parts[4][:1]
                return status, (None if set(new) == {"0"} else new)
    return "M", None


def _strip_trailer(body: str) -> str:
    lines = [line for line in body.strip().splitlines() if not line.startswith("Wfo-Action:")]
    return "\n".join(lines).strip()
