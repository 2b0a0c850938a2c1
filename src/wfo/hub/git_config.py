"""A user's git configuration for their notebook folder: remote, branch, author, and a credential.

The credential (an HTTPS token or an SSH private key) is stored as a Fernet token made with Airflow's key
(`wfo.clusters.secrets`, like keytabs), never returned by the API and never logged; `Credential` holds the
clear value only while one git command runs (`wfo.hub.git_credentials`).

Remote URLs: `https://` (the token as the password of `token_user`), `ssh://` or `user@host:path` (the SSH
key), `file://` (a repository on this machine), `http://` only to this machine (a token would otherwise
cross the network in clear). A URL never carries a credential: `https://user:secret@...` is refused.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wfo.clusters import secrets
from wfo.db.models import NotebookGitConfig
from wfo.hub.errors import GitConfigInvalid, GitNotConfigured
from wfo.hub.schemas import GitConfigPublic, GitConfigUpdate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_TOKEN = 4096
MAX_SSH_KEY = 16 * 1024
_SCP_LIKE = re.compile(r"(?P<user>[A-Za-z0-9._-]+@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[^:\\][^\\]*)")
_BRANCH = re.compile(r"[A-Za-z0-9._/-]{1,200}")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_LOOPBACK = {"localhost"}


@dataclass(frozen=True)
class Credential:
    """A decrypted credential, for one git command."""

    kind: str  # "token" or "ssh_key"
    secret: str
    user: str = "git"

    def __repr__(self) -> str:  # never the secret, whoever prints this
        return f"Credential(kind={self.kind!r}, user={self.user!r}, secret='***')"


@dataclass(frozen=True)
class GitSettings:
    """What the git actions need: where to push and pull, who commits, and how to authenticate."""

    remote_url: str
    branch: str
    author_name: str
    author_email: str
    credential: Credential | None


def _printable(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit or not value.isprintable() or any(c in value for c in "<>"):
        raise GitConfigInvalid(f"the {what} must be 1 to {limit} printable characters without < or >")
    return value


def check_remote_url(url: str) -> str:
    """The remote URL, or `GitConfigInvalid` saying which forms are accepted."""
    url = url.strip()
    accepted = "give https://host/owner/repo.git, ssh://git@host/owner/repo.git, git@host:owner/repo.git or file:///path"
    if not url or not url.isprintable() or " " in url or url.startswith("-") or len(url) > 2000:
        raise GitConfigInvalid(f"the remote URL is not one; {accepted}")
    if "://" not in url:
        if not _SCP_LIKE.fullmatch(url):
            raise GitConfigInvalid(f"the remote URL {url!r} is not one git can use safely; {accepted}")
        return url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http", "ssh", "file"):
        raise GitConfigInvalid(f"the remote URL's scheme {scheme!r} is not allowed; {accepted}")
    if parts.password is not None or (scheme in ("https", "http") and parts.username is not None):
        raise GitConfigInvalid(
            "the remote URL must not contain a user name or password: put the token (and its user name) in "
            "the credential fields, where it is stored encrypted"
        )
    if scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise GitConfigInvalid(f"a file remote is file:///absolute/path, not {url!r}")
        return url
    if not parts.hostname:
        raise GitConfigInvalid(f"the remote URL {url!r} names no host; {accepted}")
    if scheme == "http" and not _is_loopback(parts.hostname):
        raise GitConfigInvalid(
            "http:// would send the token over the network in clear: use https:// (http:// is accepted only "
            "for a server on this machine)"
        )
    return url


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_branch(branch: str) -> str:
    branch = branch.strip()
    if (
        not _BRANCH.fullmatch(branch)
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or ".." in branch
        or "//" in branch
        or "/." in branch
    ):
        raise GitConfigInvalid(f"{branch!r} is not a branch name git accepts (letters, digits, . _ - /)")
    return branch


def _check_credential(update: GitConfigUpdate) -> tuple[str, str] | None:
    token = update.token.get_secret_value() if update.token is not None else ""
    key = update.ssh_key.get_secret_value() if update.ssh_key is not None else ""
    if token and key:
        raise GitConfigInvalid("give either a token (HTTPS) or an SSH key, not both")
    if token:
        if len(token) > MAX_TOKEN or not token.isprintable() or " " in token:
            raise GitConfigInvalid(f"the token must be up to {MAX_TOKEN} printable characters without spaces")
        return "token", token
    if key:
        if len(key) > MAX_SSH_KEY or "PRIVATE KEY-----" not in key:
            raise GitConfigInvalid(
                "the SSH key must be a private key in OpenSSH or PEM form (BEGIN ... PRIVATE KEY)"
            )
        return "ssh_key", key.strip() + "\n"
    return None


def _row(session: Session, username: str) -> NotebookGitConfig | None:
    from sqlalchemy import select

    return session.scalar(select(NotebookGitConfig).where(NotebookGitConfig.username == username))


def public(row: NotebookGitConfig | None) -> GitConfigPublic:
    if row is None:
        return GitConfigPublic(configured=False)
    return GitConfigPublic(
        configured=True,
        remote_url=row.remote_url,
        branch=row.branch,
        author_name=row.author_name,
        author_email=row.author_email,
        credential="ssh_key"
        if row.credential_kind == "ssh_key" and row.credential is not None
        else "token"
        if row.credential_kind == "token" and row.credential is not None
        else None,
        token_user=row.token_user,
        updated_at=row.updated_at,
    )


def read(session: Session, username: str) -> GitConfigPublic:
    return public(_row(session, username))


def save(session: Session, username: str, update: GitConfigUpdate) -> GitConfigPublic:
    """Check and store the configuration; a credential left out keeps the stored one (unless cleared)."""
    remote = check_remote_url(update.remote_url)
    branch = check_branch(update.branch)
    name = _printable(update.author_name, "author name", 256)
    email = update.author_email.strip()
    if len(email) > 320 or not _EMAIL.fullmatch(email):
        raise GitConfigInvalid(f"{email!r} is not an e-mail address")
    token_user = _printable(update.token_user or "git", "token's user name", 256)
    given = _check_credential(update)
    row = _row(session, username)
    if row is None:
        row = NotebookGitConfig(username=username)
        session.add(row)
    row.remote_url, row.branch, row.author_name, row.author_email = remote, branch, name, email
    row.token_user = token_user
    if given is not None:
        row.credential_kind, row.credential = given[0], secrets.encrypt(given[1].encode())
    elif update.clear_credential:
        row.credential_kind, row.credential = None, None
    session.flush()
    return public(row)


def delete(session: Session, username: str) -> bool:
    row = _row(session, username)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def settings_for(session: Session, username: str) -> GitSettings:
    """The user's configuration with the credential decrypted (for one action); `GitNotConfigured`."""
    row = _row(session, username)
    if row is None:
        raise GitNotConfigured("no git configuration yet: save one on the Git configuration page first")
    credential = None
    if row.credential is not None and row.credential_kind in ("token", "ssh_key"):
        credential = Credential(
            kind=row.credential_kind,
            secret=secrets.decrypt(row.credential).decode(),
            user=row.token_user or "git",
        )
    return GitSettings(row.remote_url, row.branch, row.author_name, row.author_email, credential)
