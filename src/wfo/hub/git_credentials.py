"""Hand a stored credential to one git command, and to nothing else.

* A token reaches git through `GIT_ASKPASS`: a fixed script (no secret in it) prints the user name or the
  token from variables of that one command's environment. Never in the remote URL, never on disk, never in
  an argument (the process list shows arguments; a process's environment is readable only by its own user,
  who can read the api-server's memory anyway).
* An SSH key goes into a private `ssh-agent` started for the command (read from ssh-add's standard input,
  never written to a file) and stopped after it; ssh finds the agent through `SSH_AUTH_SOCK`.
* `mask` removes a secret from any text shown to a user or logged (git's messages, exceptions).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from wfo.hub.errors import GitConfigInvalid
from wfo.hub.git_config import Credential

_ASKPASS = """#!/bin/sh
# wfo: answers git's questions from the environment of the one command that runs it (no secret here).
case "$1" in
  Username*) printf '%s\\n' "$WFO_GIT_USERNAME" ;;
  *) printf '%s\\n' "$WFO_GIT_PASSWORD" ;;
esac
"""
AGENT_START_TIMEOUT = 5.0


def askpass_script(folder: Path) -> Path:
    """The askpass script under `folder` (written once, mode 0700)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    script = folder / "askpass.sh"
    if not script.is_file() or script.read_text() != _ASKPASS:
        partial = folder / ".askpass.sh.partial"
        partial.write_text(_ASKPASS)
        partial.chmod(0o700)
        os.replace(partial, script)
    return script


def mask(text: str, credential: Credential | None) -> str:
    """`text` without the secret (nor any line of a multi-line key)."""
    if credential is None:
        return text
    for piece in [credential.secret, *credential.secret.splitlines()]:
        piece = piece.strip()
        if len(piece) >= 4 and "-----" not in piece:
            text = text.replace(piece, "***")
    return text


@contextlib.contextmanager
def credential_env(credential: Credential | None, state_dir: Path) -> Iterator[dict[str, str]]:
    """The environment variables that let one git command authenticate with `credential`."""
    ssh = (
        f"ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=accept-new "
        f"-o UserKnownHostsFile={shlex.quote(str(state_dir / 'known_hosts'))}"
    )
    if credential is None:
        yield {"GIT_SSH_COMMAND": ssh}
        return
    if credential.kind == "token":
        yield {
            "GIT_ASKPASS": str(askpass_script(state_dir.parent)),
            "SSH_ASKPASS": str(askpass_script(state_dir.parent)),
            "WFO_GIT_USERNAME": credential.user,
            "WFO_GIT_PASSWORD": credential.secret,
            "GIT_SSH_COMMAND": ssh,
        }
        return
    with _agent(credential.secret, state_dir) as socket:
        yield {"SSH_AUTH_SOCK": socket, "GIT_SSH_COMMAND": ssh}


@contextlib.contextmanager
def _agent(key: str, state_dir: Path) -> Iterator[str]:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix="agent-", dir=state_dir) as folder:
        socket = str(Path(folder) / "s")
        agent = subprocess.Popen(
            ["ssh-agent", "-D", "-a", socket],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        try:
            deadline = time.monotonic() + AGENT_START_TIMEOUT
            while not os.path.exists(socket):
                if agent.poll() is not None or time.monotonic() > deadline:
                    raise GitConfigInvalid("ssh-agent could not be started for the SSH key")
                time.sleep(0.01)
            added = subprocess.run(
                ["ssh-add", "-q", "-"],
                input=key.encode(),
                capture_output=True,
                env={"SSH_AUTH_SOCK": socket, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                timeout=10,
                check=False,
            )
            if added.returncode != 0:
                raise GitConfigInvalid(
                    "the stored SSH key cannot be used (is it a private key without a passphrase?)"
                )
            yield socket
        finally:
            agent.terminate()
            try:
                agent.wait(timeout=5)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait()
