"""Git actions on a user's notebook folder: status, diff, commit, pull, push, log.

The folder (the user's root on the hub) is the work tree; its repository lives outside it, in
`$WFO_HOME/notebooks/git/<user>/repo.git`, and the folder holds only a `.git` file pointing there (what
`git init --separate-git-dir` writes), so jupyterlab-git in the user's JupyterLab works on the same
repository. `common_workspace` (a link into the shared folder) and JupyterLab's checkpoints are excluded.

Every command runs with a fixed environment: no system or global configuration, no hooks, no pager or
external diff, a private HOME, prompts off; a credential only for the commands that talk to the remote
(`wfo.hub.git_credentials`). A pull fast-forwards or changes nothing and reports the conflicting files; a
commit that fails leaves nothing staged; every message shown has the secret masked.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wfo.hub.errors import CommitMissing, GitActionFailed, GitRemoteFailed
from wfo.hub.git_config import Credential, GitSettings
from wfo.hub.git_credentials import credential_env, mask
from wfo.hub.notebook_diff import MAX_DIFF_BYTES, TOO_LARGE, file_diff
from wfo.hub.schemas import (
    GitCommitDetail,
    GitCommitInfo,
    GitDiff,
    GitFileStatus,
    GitLog,
    GitStatus,
    GitSyncResult,
)
from wfo.settings import Settings
from wfo.storage.locks import name_lock

log = logging.getLogger(__name__)

_FIXED_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.quotepath=off",
    "core.autocrlf=false",
    "core.fsmonitor=false",
    "core.pager=cat",
    "commit.gpgsign=false",
    "credential.helper=",
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.http.allow=always",
    "protocol.ssh.allow=always",
    "protocol.file.allow=always",
    "http.followRedirects=false",
    "pull.rebase=false",
)
_EXCLUDES = "/common_workspace\n.ipynb_checkpoints/\n.virtual_documents/\n.*.upload\n__pycache__/\n"
_COMMIT_ID = re.compile(r"[0-9a-f]{4,64}")
_RECORD, _FIELD = "\x1e", "\x1f"
REMOTE = "origin"
TIMEOUT = 120.0
MAX_LOG = 200
_STATUS = {"M": "modified", "T": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "added"}


class NotebookRepo:
    """The git work tree of one user's notebook folder."""

    @classmethod
    def for_user(cls, settings: Settings, username: str) -> NotebookRepo:
        from wfo.hub.service import hub_user_name, own_folder

        state = settings.home / "notebooks" / "git" / hub_user_name(username)
        return cls(own_folder(settings, username), state, settings.home / "run")

    def __init__(self, work_tree: Path, state_dir: Path, lock_dir: Path | None = None) -> None:
        self.work_tree = work_tree
        self.state_dir = state_dir
        self.git_dir = state_dir / "repo.git"
        self.lock_dir = lock_dir

    # --- running git ---------------------------------------------------------------------------------
    def _env(self, author: tuple[str, str] | None, extra: dict[str, str]) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.state_dir),
            "XDG_CONFIG_HOME": str(self.state_dir / "no-config"),
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.work_tree),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "LC_ALL": "C",
            "TZ": "UTC",
        }
        if author is not None:
            env.update(
                {
                    "GIT_AUTHOR_NAME": author[0],
                    "GIT_AUTHOR_EMAIL": author[1],
                    "GIT_COMMITTER_NAME": author[0],
                    "GIT_COMMITTER_EMAIL": author[1],
                }
            )
        env.update(extra)
        return env

    def _git(
        self,
        *args: str,
        author: tuple[str, str] | None = None,
        credential: Credential | None = None,
        remote: bool = False,
        ok_codes: tuple[int, ...] = (0,),
    ) -> subprocess.CompletedProcess[bytes]:
        command = ["git"]
        for setting in _FIXED_CONFIG:
            command += ["-c", setting]
        command += list(args)
        with credential_env(credential if remote else None, self.state_dir) as extra:
            try:
                done = subprocess.run(
                    command,
                    cwd=self.work_tree,
                    env=self._env(author, extra),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise GitRemoteFailed(f"git {args[0]} did not finish within {TIMEOUT:.0f} s") from None
        if done.returncode not in ok_codes:
            message = mask(done.stderr.decode(errors="replace").strip(), credential)
            log.info("git %s failed (%s): %s", args[0], done.returncode, message)
            raise _remote_error(message) if remote else GitActionFailed(f"git {args[0]} failed: {message}")
        return done

    def _out(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> str:
        return self._git(*args, ok_codes=ok_codes).stdout.decode(errors="replace")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with name_lock(self.lock_dir, "notebook-git", str(self.git_dir)):
            yield

    # --- setup -----------------------------------------------------------------------------------------
    def ensure(self, settings: GitSettings) -> None:
        """Create the repository on first use; keep the remote's URL and the branch as configured."""
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.work_tree.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (self.git_dir / "HEAD").is_file():
            # GIT_DIR and GIT_WORK_TREE are set: the repository is made there, with core.worktree pointing back.
            self._git("init", "--quiet", f"--initial-branch={settings.branch}")
        marker = self.work_tree / ".git"
        if not marker.exists() and not marker.is_symlink():
            marker.write_text(f"gitdir: {self.git_dir}\n")
        exclude = self.git_dir / "info" / "exclude"
        if not exclude.is_file() or exclude.read_text() != _EXCLUDES:
            exclude.parent.mkdir(parents=True, exist_ok=True)
            exclude.write_text(_EXCLUDES)
        if not self._has_commits():
            self._git("symbolic-ref", "HEAD", f"refs/heads/{settings.branch}")
        # The same author for commits made in JupyterLab's git panel (jupyterlab-git reads the repository).
        for key, value in (("user.name", settings.author_name), ("user.email", settings.author_email)):
            if self._out("config", "--get", key, ok_codes=(0, 1)).strip() != value:
                self._git("config", key, value)
        urls = self._out("config", "--get-all", f"remote.{REMOTE}.url", ok_codes=(0, 1)).split()
        if urls != [settings.remote_url]:
            self._git("config", "--unset-all", f"remote.{REMOTE}.url", ok_codes=(0, 5))
            self._git("config", f"remote.{REMOTE}.url", settings.remote_url)
            self._git("config", f"remote.{REMOTE}.fetch", f"+refs/heads/*:refs/remotes/{REMOTE}/*")

    def _has_commits(self) -> bool:
        return bool(self._out("rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1)).strip())

    def _branch(self) -> str:
        return self._out("symbolic-ref", "--short", "HEAD", ok_codes=(0, 128)).strip() or "HEAD"

    # --- reading ---------------------------------------------------------------------------------------
    def status(self) -> GitStatus:
        raw = self._out("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
        files: list[GitFileStatus] = []
        for entry in filter(None, raw.split("\0")):
            code, path = entry[:2], entry[3:]
            if code == "??":
                status = "untracked"
            elif "U" in code or code in ("AA", "DD"):
                status = "conflicted"
            else:
                status = _STATUS.get(code[1] if code[1] != " " else code[0], "modified")
            files.append(GitFileStatus(path=path, status=status))  # type: ignore[arg-type]
        return GitStatus(branch=self._branch(), commits=self._has_commits(), files=files)

    def _blob(self, revision: str, path: str) -> bytes | None:
        """The file at `revision` (None: not there); a placeholder when it is too large to diff, unread."""
        size = self._git("cat-file", "-s", f"{revision}:{path}", ok_codes=(0, 128))
        if size.returncode != 0:
            return None
        if int(size.stdout.strip() or 0) > MAX_DIFF_BYTES:
            return TOO_LARGE
        return self._git("cat-file", "blob", f"{revision}:{path}").stdout

    def _working(self, path: str) -> bytes | None:
        full = self.work_tree / path
        if full.is_symlink() or not full.is_file():
            return None
        if full.stat().st_size > MAX_DIFF_BYTES:
            return TOO_LARGE
        return full.read_bytes()

    def diff(self, path: str | None = None) -> GitDiff:
        """What changed in the work tree since the last commit (one file, or every changed file)."""
        changed = self.status().files
        if path is not None:
            changed = [f for f in changed if f.path == path]
            if not changed:
                raise GitActionFailed(f"{path!r} has no changes to show")
        head = self._has_commits()
        return GitDiff(
            files=[
                file_diff(f.path, self._blob("HEAD", f.path) if head else None, self._working(f.path))
                for f in changed
            ]
        )

    def log(self, limit: int = 50) -> GitLog:
        if not self._has_commits():
            return GitLog(commits=[])
        raw = self._out(
            "log",
            f"-n{min(limit, MAX_LOG)}",
            f"--format=%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%B{_RECORD}",
        )
        return GitLog(commits=[_commit_info(record) for record in raw.split(_RECORD) if record.strip()])

    def show(self, commit: str) -> GitCommitDetail:
        """A commit and the diff of each file it changed (notebooks cell by cell)."""
        if not (_COMMIT_ID.fullmatch(commit) or commit == "HEAD") or not self._has_commits():
            raise CommitMissing(f"there is no commit {commit!r}")
        done = self._git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", ok_codes=(0, 1))
        full = done.stdout.decode().strip()
        if not full:
            raise CommitMissing(f"there is no commit {commit!r}")
        info = _commit_info(
            self._out("log", "-n1", f"--format=%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%B", full)
        )
        names = self._out(
            "diff-tree", "--no-commit-id", "-r", "--name-only", "-z", "--root", "--no-renames", full
        )
        parent = self._out("rev-parse", "--verify", "--quiet", f"{full}^", ok_codes=(0, 1)).strip()
        files = [
            file_diff(name, self._blob(parent, name) if parent else None, self._blob(full, name))
            for name in filter(None, names.split("\0"))
        ]
        return GitCommitDetail(**info.model_dump(), files=files)

    # --- changing --------------------------------------------------------------------------------------
    def commit(self, files: list[str], message: str, settings: GitSettings) -> GitSyncResult:
        """Commit exactly `files` (paths the status lists); nothing stays staged when it fails."""
        with self._locked():
            changed = {f.path for f in self.status().files}
            unknown = [f for f in files if f not in changed]
            if unknown:
                raise GitActionFailed(f"not changed, so nothing to commit: {', '.join(sorted(unknown)[:10])}")
            author = (settings.author_name, settings.author_email)
            self._git("add", "--all", "--", *files)
            try:
                self._git("commit", "--quiet", "--no-verify", "-m", message, "--", *files, author=author)
            except GitActionFailed:
                if self._has_commits():
                    self._git("reset", "--quiet", "--", *files, ok_codes=(0, 1))
                else:
                    self._git("rm", "--cached", "-r", "--quiet", "--ignore-unmatch", "--", *files)
                raise
            head = self._out("rev-parse", "HEAD").strip()
        return GitSyncResult(changed=True, message=f"committed {len(files)} file(s)", commit=head)

    def pull(self, settings: GitSettings) -> GitSyncResult:
        """Fetch the branch and fast-forward to it; diverged histories change nothing and name the files
        changed on both sides (no merge of notebook JSON happens here)."""
        with self._locked():
            branch = settings.branch
            fetched = self._git(
                "fetch",
                "--quiet",
                "--no-tags",
                REMOTE,
                f"+refs/heads/{branch}:refs/remotes/{REMOTE}/{branch}",
                credential=settings.credential,
                remote=True,
                ok_codes=(0, 128),
            )
            if fetched.returncode != 0:
                message = mask(fetched.stderr.decode(errors="replace").strip(), settings.credential)
                if "couldn't find remote ref" in message:
                    return GitSyncResult(changed=False, message=f"the remote has no branch {branch} yet")
                raise _remote_error(message)
            theirs = self._out("rev-parse", f"refs/remotes/{REMOTE}/{branch}").strip()
            if not self._has_commits():
                self._fast_forward(theirs)
                return GitSyncResult(
                    changed=True, message=f"checked out {branch} from the remote", commit=theirs
                )
            ours = self._out("rev-parse", "HEAD").strip()
            if ours == theirs or self._is_ancestor(theirs, ours):
                return GitSyncResult(changed=False, message="already up to date", commit=ours)
            if not self._is_ancestor(ours, theirs):
                base = self._out("merge-base", ours, theirs).strip()
                mine = set(self._names(base, ours)) | {f.path for f in self.status().files}
                both = sorted(mine & set(self._names(base, theirs)))
                raise GitActionFailed(
                    "the remote and your folder both have new commits, so the pull changed nothing (notebooks "
                    "are not merged automatically). "
                    + (f"Changed on both sides: {', '.join(both)}. " if both else "")
                    + "Keep your version: push to another branch, or move your changes aside, pull, and redo them.",
                    extra={"conflicts": both},
                )
            self._fast_forward(theirs)
        return GitSyncResult(changed=True, message=f"fast-forwarded to {theirs[:12]}", commit=theirs)

    def _fast_forward(self, target: str) -> None:
        done = self._git("merge", "--ff-only", "--quiet", target, ok_codes=(0, 1, 128))
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace")
            files = [line.strip() for line in message.splitlines() if line.startswith(("\t", "    "))]
            raise GitActionFailed(
                "the pull changed nothing: your uncommitted changes would be overwritten"
                + (f" ({', '.join(files)})" if files else "")
                + "; commit them (or remove them) and pull again",
                extra={"conflicts": files},
            )

    def _is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._git("merge-base", "--is-ancestor", ancestor, descendant, ok_codes=(0, 1)).returncode == 0

    def _names(self, old: str, new: str) -> list[str]:
        return list(
            filter(None, self._out("diff", "--name-only", "-z", "--no-renames", old, new).split("\0"))
        )

    def push(self, settings: GitSettings) -> GitSyncResult:
        with self._locked():
            if not self._has_commits():
                raise GitActionFailed("nothing to push: commit something first")
            head = self._out("rev-parse", "HEAD").strip()
            done = self._git(
                "push",
                "--porcelain",
                REMOTE,
                f"HEAD:refs/heads/{settings.branch}",
                credential=settings.credential,
                remote=True,
                ok_codes=(0, 1),
            )
            if done.returncode != 0:
                text = mask((done.stdout + done.stderr).decode(errors="replace"), settings.credential)
                if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
                    raise GitActionFailed(
                        f"the remote's {settings.branch} has commits your folder does not have: pull first"
                    )
                raise _remote_error(text.strip())
            out = done.stdout.decode(errors="replace")
        unchanged = "[up to date]" in out
        message = "already up to date" if unchanged else f"pushed {head[:12]} to {settings.branch}"
        return GitSyncResult(changed=not unchanged, message=message, commit=head)


def _commit_info(record: str) -> GitCommitInfo:
    commit, author, email, time, message = record.strip("\n").split(_FIELD, 4)
    return GitCommitInfo(
        commit=commit,
        author=author,
        email=email,
        time=dt.datetime.fromisoformat(time),
        message=message.strip(),
    )


def _remote_error(message: str) -> GitRemoteFailed:
    lowered = message.lower()
    if any(
        s in lowered
        for s in ("authentication failed", "could not read username", "permission denied", "403", "401")
    ):
        return GitRemoteFailed(f"the remote refused the credentials (check the token or SSH key): {message}")
    if any(
        s in lowered for s in ("could not resolve", "connection refused", "timed out", "unable to access")
    ):
        return GitRemoteFailed(f"the remote cannot be reached: {message}")
    if "does not appear to be a git repository" in lowered or "not found" in lowered:
        return GitRemoteFailed(f"the remote has no such repository: {message}")
    return GitRemoteFailed(f"git failed talking to the remote: {message}")
