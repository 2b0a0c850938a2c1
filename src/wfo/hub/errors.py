"""Domain errors of the notebook hub (statuses through `wfo.errors`; never FastAPI)."""

from __future__ import annotations

from wfo.errors import Conflict, Forbidden, InvalidInput, NotFound, Unavailable


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


class ScheduleInvalid(InvalidInput):
    """A notebook schedule that cannot be saved: a cron expression, parameter or notebook path is wrong."""


class ScheduleMissing(NotFound):
    """No notebook schedule with that DAG id."""


class GitNotConfigured(Conflict):
    """A git action before the user saved a git configuration."""


class GitConfigInvalid(InvalidInput):
    """A git configuration that is refused (a remote URL scheme, a branch name, a credential)."""


class CommitMissing(NotFound):
    """No commit with that id in the user's notebook repository."""


class GitActionFailed(Conflict):
    """A git action the repository's state refuses (nothing to commit, a non-fast-forward, a conflict)."""


class GitRemoteFailed(InvalidInput):
    """The remote refused or could not be reached (authentication, unknown repository, network): the
    configuration or the remote needs fixing, so 422 with git's reason, not a platform fault."""
