"""Domain errors of the notebook hub (statuses through `wfo.errors`; never FastAPI)."""

from __future__ import annotations

from wfo.errors import Forbidden, InvalidInput, NotFound, Unavailable


class TicketRefused(Forbidden):
    """A hub login ticket that is forged, expired, already used, or for a user who may no longer log in."""

    def __init__(self, reason: str, username: str | None = None) -> None:
        super().__init__(f"the notebook login ticket was refused: {reason}")
        self.reason = reason
        self.username = username


class HubDisabled(Unavailable):
    """The instance runs without the notebook hub (WFO_JUPYTER=off)."""


class NotANotebook(InvalidInput):
    """An upload that is not an nbformat 4 notebook, or a path that does not name one."""


class NotebookMissing(NotFound):
    """No notebook at that path of that folder."""
