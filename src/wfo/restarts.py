"""Restart requests: a process of the instance asks `wfo up`'s supervisor to restart one component.

The api-server reads some settings only when it starts (FAB's `webserver_config.py`: the login type, LDAP).
A route that changes them writes an empty file `$WFO_HOME/run/restart/<component>`; the supervisor
(`wfo.cli.supervisor`) polls that folder, removes the file and restarts that component only, gracefully
(SIGTERM, then SIGKILL after the grace period). Only the names the supervisor was told are accepted; the run
folder is the instance owner's (0700 home), so nobody else can ask.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

FOLDER = "restart"
_NAME = re.compile(r"[a-z][a-z0-9-]{0,63}")


def request_folder(home: str | os.PathLike[str]) -> Path:
    return Path(home) / "run" / FOLDER


def request_restart(home: str | os.PathLike[str], component: str) -> Path:
    """Ask the supervisor of the instance at `home` to restart `component` (e.g. "api-server")."""
    if not _NAME.fullmatch(component):
        raise ValueError(f"not a component name: {component!r}")
    folder = request_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / component
    path.touch()
    return path


def take_requests(home: str | os.PathLike[str], allowed: set[str] | frozenset[str]) -> list[str]:
    """The components asked for (each request file removed once read); unknown names are removed too."""
    folder = request_folder(home)
    try:
        names = sorted(entry.name for entry in folder.iterdir())
    except FileNotFoundError:
        return []
    taken = []
    for name in names:
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            continue  # taken by another reader
        if name in allowed:
            taken.append(name)
    return taken
