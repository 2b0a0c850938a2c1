"""Git actions on a notebook folder against real remotes made here: a bare repository over file://, and one
over HTTP behind basic auth (`git http-backend`, tests/helpers/git_http.py) with a canary token."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from wfo.hub.errors import CommitMissing, GitActionFailed, GitConfigInvalid, GitRemoteFailed
from wfo.hub.git_config import Credential, GitSettings, check_branch, check_remote_url
from wfo.hub.git_credentials import credential_env
from wfo.hub.notebook_git import NotebookRepo

from helpers.git_http import GitHttpServer

CANARY = "canary-7f3a9c2e5b1d4e8f"


def notebook(*sources: str) -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": s,
        }
        for i, s in enumerate(sources)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def repo(tmp_path: Path, who: str) -> NotebookRepo:
    return NotebookRepo(tmp_path / who / "folder", tmp_path / who / "git", tmp_path / "locks")


def settings(url: str, who: str = "Ada", credential: Credential | None = None) -> GitSettings:
    return GitSettings(url, "main", who, f"{who.lower()}@example.org", credential)


def head(r: NotebookRepo) -> str:
    return r.log().commits[0].commit


@pytest.fixture
def remote(tmp_path: Path) -> str:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    return f"file://{bare}"


def test_commit_push_pull_log_and_notebook_diff(tmp_path: Path, remote: str) -> None:
    ada, bob = repo(tmp_path, "ada"), repo(tmp_path, "bob")
    ada_cfg, bob_cfg = settings(remote), settings(remote, "Bob")
    ada.ensure(ada_cfg)
    (ada.work_tree / "report.ipynb").write_text(notebook("x = 1\n", "print(x)\n"))
    (ada.work_tree / "common_workspace").mkdir()  # the hub's link to the shared folder: never committed
    (ada.work_tree / "common_workspace" / "shared.ipynb").write_text(notebook("y = 2\n"))
    assert [(f.path, f.status) for f in ada.status().files] == [("report.ipynb", "untracked")]
    done = ada.commit(["report.ipynb"], "First report", ada_cfg)
    assert done.commit == head(ada) and ada.status().files == []
    assert ada.push(ada_cfg).changed

    bob.ensure(bob_cfg)
    assert bob.pull(bob_cfg).changed
    assert json.loads((bob.work_tree / "report.ipynb").read_text())["cells"][0]["source"] == "x = 1\n"

    (ada.work_tree / "report.ipynb").write_text(notebook("x = 42\n", "print(x)\n"))
    shown = ada.diff("report.ipynb").files[0]
    assert shown.kind == "notebook"
    assert "modified /cells/0/source" in shown.diff and "x = 42" in shown.diff
    assert '"cell_type"' not in shown.diff  # cells, not JSON lines
    ada.commit(["report.ipynb"], "Answer", ada_cfg)
    ada.push(ada_cfg)
    assert bob.pull(bob_cfg).message.startswith("fast-forwarded")
    log = bob.log().commits
    assert [c.message for c in log] == ["Answer", "First report"] and log[0].author == "Ada"
    detail = bob.show(log[0].commit)
    assert detail.files[0].path == "report.ipynb" and "x = 42" in detail.files[0].diff
    for unknown in ("0" * 40, "not-a-commit"):  # a 404 on the API
        with pytest.raises(CommitMissing, match="there is no commit"):
            bob.show(unknown)


def test_diverged_pull_changes_nothing_and_names_the_conflict(tmp_path: Path, remote: str) -> None:
    ada, bob = repo(tmp_path, "ada"), repo(tmp_path, "bob")
    ada_cfg, bob_cfg = settings(remote), settings(remote, "Bob")
    ada.ensure(ada_cfg)
    (ada.work_tree / "q3.ipynb").write_text(notebook("a = 1\n"))
    ada.commit(["q3.ipynb"], "Start", ada_cfg)
    ada.push(ada_cfg)
    bob.ensure(bob_cfg)
    bob.pull(bob_cfg)
    (bob.work_tree / "q3.ipynb").write_text(notebook("a = 2\n"))
    bob.commit(["q3.ipynb"], "Bob's change", bob_cfg)
    bob.push(bob_cfg)
    (ada.work_tree / "q3.ipynb").write_text(notebook("a = 3\n"))
    ada.commit(["q3.ipynb"], "Ada's change", ada_cfg)
    before = head(ada)
    with pytest.raises(GitActionFailed) as refused:
        ada.push(ada_cfg)
    assert "pull first" in str(refused.value)
    with pytest.raises(GitActionFailed) as conflict:
        ada.pull(ada_cfg)
    assert "changed nothing" in str(conflict.value) and conflict.value.extra["conflicts"] == ["q3.ipynb"]
    assert head(ada) == before and ada.status().files == []
    assert "a = 3" in (ada.work_tree / "q3.ipynb").read_text()


def test_uncommitted_changes_are_never_overwritten(tmp_path: Path, remote: str) -> None:
    ada, bob = repo(tmp_path, "ada"), repo(tmp_path, "bob")
    ada_cfg, bob_cfg = settings(remote), settings(remote, "Bob")
    ada.ensure(ada_cfg)
    (ada.work_tree / "n.ipynb").write_text(notebook("v = 1\n"))
    ada.commit(["n.ipynb"], "v1", ada_cfg)
    ada.push(ada_cfg)
    bob.ensure(bob_cfg)
    bob.pull(bob_cfg)
    (ada.work_tree / "n.ipynb").write_text(notebook("v = 2\n"))
    ada.commit(["n.ipynb"], "v2", ada_cfg)
    ada.push(ada_cfg)
    (bob.work_tree / "n.ipynb").write_text(notebook("v = 'mine, unsaved'\n"))
    with pytest.raises(GitActionFailed) as refused:
        bob.pull(bob_cfg)
    assert "uncommitted changes would be overwritten" in str(refused.value)
    assert "mine, unsaved" in (bob.work_tree / "n.ipynb").read_text()
    assert [c.message for c in bob.log().commits] == ["v1"]


def test_commit_takes_only_changed_files(tmp_path: Path, remote: str) -> None:
    ada = repo(tmp_path, "ada")
    cfg = settings(remote)
    ada.ensure(cfg)
    (ada.work_tree / "a.ipynb").write_text(notebook("1\n"))
    (ada.work_tree / "b.ipynb").write_text(notebook("2\n"))
    with pytest.raises(GitActionFailed, match="nothing to commit: nope.ipynb"):
        ada.commit(["a.ipynb", "nope.ipynb"], "m", cfg)
    ada.commit(["a.ipynb"], "only a", cfg)
    assert [(f.path, f.status) for f in ada.status().files] == [("b.ipynb", "untracked")]
    empty = repo(tmp_path, "empty")
    empty.ensure(cfg)
    with pytest.raises(GitActionFailed, match="nothing to push"):
        empty.push(cfg)


def test_token_over_http_never_shows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server_root = tmp_path / "srv"
    server_root.mkdir()
    server = GitHttpServer(server_root, "tester", CANARY)
    server.bare_repo("team.git")
    caplog.set_level(logging.DEBUG)
    with server.running():
        url = f"{server.url}/team.git"
        good = settings(url, credential=Credential("token", CANARY, "tester"))
        ada = repo(tmp_path, "ada")
        ada.ensure(good)
        (ada.work_tree / "r.ipynb").write_text(notebook("s = 'hi'\n"))
        ada.commit(["r.ipynb"], "over http", good)
        assert ada.push(good).changed
        bob = repo(tmp_path, "bob")
        bob.ensure(good)
        assert bob.pull(good).changed and (bob.work_tree / "r.ipynb").is_file()

        wrong = settings(url, credential=Credential("token", "wrong-" + CANARY[::-1], "tester"))
        with pytest.raises(GitRemoteFailed) as refused:
            bob.pull(wrong)
        assert "refused the credentials" in str(refused.value)
        assert CANARY[::-1] not in str(refused.value)
        with pytest.raises(GitRemoteFailed):
            bob.pull(settings(url))  # no credential at all: refused, no prompt hangs
    assert server.served and server.refused
    # While git talked to the server (its remote helper is in the snapshots), no command line held the token.
    assert any("remote-http" in snapshot for snapshot in server.process_lists)
    assert all(CANARY not in snapshot for snapshot in server.process_lists)
    assert CANARY not in caplog.text
    for folder in (tmp_path / "ada", tmp_path / "bob"):
        for path in folder.rglob("*"):
            if path.is_file():
                assert CANARY.encode() not in path.read_bytes(), path


def test_ssh_key_lives_in_an_agent_for_one_command(tmp_path: Path) -> None:
    key_file = tmp_path / "k"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wfo-test", "-f", str(key_file)], check=True
    )
    credential = Credential("ssh_key", key_file.read_text())
    state = tmp_path / "state"
    with credential_env(credential, state) as env:
        listed = subprocess.run(
            ["ssh-add", "-l"], env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True
        )
        assert "wfo-test" in listed.stdout and "BatchMode=yes" in env["GIT_SSH_COMMAND"]
        socket = env["SSH_AUTH_SOCK"]
    assert not Path(socket).exists()  # the agent is gone with the command
    assert not [p for p in state.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    with (
        pytest.raises(GitConfigInvalid),
        credential_env(Credential("ssh_key", "-----BEGIN x PRIVATE KEY-----"), state),
    ):
        pass


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@example.org/r.git",
        "https://user@example.org/r.git",
        "http://example.org/r.git",
        "ext::sh -c touch% /tmp/pwned",
        "-uhelp@host:r.git",
        "ftp://example.org/r.git",
        "file://host/r.git",
    ],
)
def test_remote_urls_that_are_refused(url: str) -> None:
    with pytest.raises(GitConfigInvalid):
        check_remote_url(url)


def test_remote_urls_that_are_accepted() -> None:
    for url in (
        "https://github.com/o/r.git",
        "ssh://git@example.org:2222/o/r.git",
        "git@example.org:o/r.git",
        "file:///srv/git/r.git",
        "http://127.0.0.1:8123/r.git",
    ):
        assert check_remote_url(url) == url
    assert check_branch("feature/q3") == "feature/q3"
    for bad in ("-x", "a..b", "x.lock", "a b"):
        with pytest.raises(GitConfigInvalid):
            check_branch(bad)
