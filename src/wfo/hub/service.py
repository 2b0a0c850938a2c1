"""What the routes of the Notebooks page and the hub login call (no FastAPI here).

A user's own folder is their notebook root on the hub (`$WFO_HOME/notebooks/users/<name>`, the name as
JupyterHub normalises it: lower case); the common folder is `common_workspace` in the object store, the one
`CoutureJupyterOperator` reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wfo.hub import component, tickets
from wfo.hub.errors import HubDisabled
from wfo.hub.schemas import NotebookLogin
from wfo.settings import Settings


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
