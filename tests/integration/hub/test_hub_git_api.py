"""The Notebooks page's git actions over the API, against an HTTP remote with a basic-auth token made here.

A canary token is configured; it must never come back in an answer, and never appear in clear in any file of
the instance (logs, DB, the repository), nor in a command line while git talks to the remote.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.hub.git_config import Credential, GitSettings
from wfo.hub.notebook_git import NotebookRepo

from helpers.git_http import GitHttpServer
from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

CANARY = "canary-api-2c9d41f07ae36b58"
GIT = "/notebooks/git"
PATH = "gitdemo/report.ipynb"


def notebook(source: str) -> bytes:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": "c0",
        "metadata": {},
        "outputs": [],
        "source": source,
    }
    document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHttpServer]:
    root = tmp_path_factory.mktemp("git-srv")
    srv = GitHttpServer(root, "tester", CANARY)
    srv.bare_repo("notes.git")
    with srv.running():
        yield srv


class Answers:
    """Every answer body of the test, to check for the canary at the end."""

    bodies: list[bytes] = []


def call(platform: Platform, method: str, path: str, **kwargs: object) -> tuple[int, dict]:
    resp = platform.api(method, path, **kwargs)  # type: ignore[arg-type]
    Answers.bodies.append(resp.body)
    return resp.status, (resp.json() if resp.body else {})


def put_notebook(platform: Platform, data: bytes) -> None:
    uploaded = platform.upload(
        "/wfo/api/v1/notebooks", [("report.ipynb", data)], field="file", fields={"path": PATH}
    )
    assert uploaded.status == 201, uploaded.body


def config(server: GitHttpServer, token: str | None) -> dict:
    body = {
        "remote_url": f"{server.url}/notes.git",
        "branch": "main",
        "author_name": "Ada Admin",
        "author_email": "ada@example.org",
        "token_user": "tester",
    }
    if token is not None:
        body["token"] = token
    return body


def test_configure_commit_push_conflict_and_log(
    platform: Platform, server: GitHttpServer, tmp_path: Path
) -> None:
    status, _ = call(platform, "GET", f"{GIT}/status")
    assert status in (200, 409)  # 409: "no git configuration yet" on a fresh instance
    status, refused = call(
        platform,
        "PUT",
        f"{GIT}/config",
        json_body={**config(server, None), "remote_url": "https://u:p@h/r.git"},
    )
    assert status == 422 and "must not contain a user name or password" in refused["detail"]
    status, saved = call(platform, "PUT", f"{GIT}/config", json_body=config(server, CANARY), expected=(200,))
    assert saved["credential"] == "token" and saved["remote_url"].endswith("/notes.git")

    put_notebook(platform, notebook("x = 1\n"))
    _, listed = call(platform, "GET", f"{GIT}/status", expected=(200,))
    assert {"path": PATH, "status": "untracked"} in listed["files"]
    _, done = call(
        platform, "POST", f"{GIT}/commits", json_body={"files": [PATH], "message": "Report"}, expected=(201,)
    )
    _, pushed = call(platform, "POST", f"{GIT}/push", expected=(200,))
    assert pushed["changed"] and pushed["commit"] == done["commit"]
    bare = server.root / "notes.git"
    remote_log = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "--format=%s|%an", "main"], capture_output=True, text=True
    )
    assert remote_log.stdout.strip() == "Report|Ada Admin"

    # A colleague pushes a change to the same notebook; ours, committed, diverges: pull changes nothing.
    colleague = NotebookRepo(tmp_path / "bob", tmp_path / "bob-git")
    bob = GitSettings(
        f"{server.url}/notes.git", "main", "Bob", "bob@example.org", Credential("token", CANARY, "tester")
    )
    colleague.ensure(bob)
    colleague.pull(bob)
    (colleague.work_tree / PATH).write_text(notebook("x = 'bob'\n").decode())
    colleague.commit([PATH], "Bob's version", bob)
    colleague.push(bob)

    put_notebook(platform, notebook("x = 'ada'\n"))
    _, diff = call(platform, "GET", f"{GIT}/diff?path={PATH}", expected=(200,))
    assert diff["files"][0]["kind"] == "notebook" and "modified /cells/0/source" in diff["files"][0]["diff"]
    call(
        platform,
        "POST",
        f"{GIT}/commits",
        json_body={"files": [PATH], "message": "Ada's version"},
        expected=(201,),
    )
    status, rejected = call(platform, "POST", f"{GIT}/push")
    assert status == 409 and "pull first" in rejected["detail"]
    status, conflict = call(platform, "POST", f"{GIT}/pull")
    assert status == 409 and conflict["conflicts"] == [PATH], conflict
    _, content = call(platform, "GET", f"/notebooks/content?path={PATH}", expected=(200,))
    assert content["cells"][0]["source"] == "x = 'ada'\n"  # nothing half-done

    _, log = call(platform, "GET", f"{GIT}/commits", expected=(200,))
    assert [c["message"] for c in log["commits"]][:2] == ["Ada's version", "Report"]
    _, shown = call(platform, "GET", f"{GIT}/commits/{log['commits'][0]['commit']}", expected=(200,))
    assert shown["files"][0]["path"] == PATH and "'ada'" in shown["files"][0]["diff"]

    # A wrong token: a clear 422, and the stored one is replaced only by an explicit save.
    call(platform, "PUT", f"{GIT}/config", json_body=config(server, "wrong-token-1234"), expected=(200,))
    status, auth = call(platform, "POST", f"{GIT}/pull")
    assert status == 422 and "refused the credentials" in auth["detail"]
    call(platform, "PUT", f"{GIT}/config", json_body=config(server, CANARY), expected=(200,))
    _, kept = call(platform, "PUT", f"{GIT}/config", json_body=config(server, None), expected=(200,))
    assert kept["credential"] == "token"
    _, read = call(platform, "GET", f"{GIT}/config", expected=(200,))
    assert read["configured"] and read["token_user"] == "tester"


def test_the_canary_token_never_shows(platform: Platform, server: GitHttpServer) -> None:
    assert server.served, "the remote was never used"
    assert all(CANARY.encode() not in body for body in Answers.bodies)
    assert any("remote-http" in snapshot for snapshot in server.process_lists)
    assert all(CANARY not in snapshot for snapshot in server.process_lists)
    events = platform.api(
        "GET", "/audit/events?action=notebook_git_config.save&limit=20", expected=(200,)
    ).body
    assert b"notes.git" in events and CANARY.encode() not in events
    leaked = []
    for path in [platform.output_path, *platform.home.rglob("*")]:
        if path.is_file() and not path.is_symlink() and CANARY.encode() in path.read_bytes():
            leaked.append(str(path))
    assert not leaked
