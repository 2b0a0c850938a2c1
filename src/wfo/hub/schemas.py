"""Models of the notebook hub's routes (`/wfo/api/v1/notebooks`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

Folder = Literal["own", "common"]


class NotebookLogin(BaseModel):
    """Where to send the browser: the hub's login link with a single-use ticket (valid 60 s)."""

    url: str = Field(description="absolute URL of the hub's login with a ticket for the current user")


class NotebookEntry(BaseModel):
    folder: Folder = Field(description="own: the user's notebook root; common: common_workspace")
    path: str = Field(description="path inside the folder, e.g. team/q3.ipynb")
    size: int
    modified: dt.datetime | None = None


class NotebookList(BaseModel):
    notebooks: list[NotebookEntry]
    hub_url: str | None = Field(description="the hub's URL, null when the instance runs without it")
