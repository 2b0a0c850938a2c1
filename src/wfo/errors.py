"""The base of every domain error: what went wrong, in the user's words, and the HTTP status it means.

Services raise these (or subclasses of their own area, e.g. `GroupNotFound(ConfigGroupError, NotFound)`);
they never import FastAPI. One exception handler per app (`wfo.plugin.errors`) turns any of them into
`{"detail": ...}` with `status`, so routes contain no error mapping. `details` replaces the message as
the `detail` of the answer when a client needs structure (a per-file report, a list of refused keys);
`extra` adds fields next to `detail` (an import's report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class WfoError(Exception):
    """A request was refused or could not be done; `status` is the HTTP status of the answer."""

    status: ClassVar[int] = 422

    def __init__(
        self, message: str, *, details: Any = None, extra: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.details = details
        self.extra = dict(extra or {})

    @property
    def detail(self) -> Any:
        """What the answer's `detail` holds: the structured details, or the message."""
        return self.details if self.details is not None else str(self)


class BadRequest(WfoError):
    """The request itself is malformed (a name that can never be valid, a parameter out of range)."""

    status = 400


class Forbidden(WfoError):
    """The caller may use the route but not make this particular change (a code setting, for instance)."""

    status = 403


class NotFound(WfoError):
    """The object named in the request does not exist (or the caller may not know that it does)."""

    status = 404


class Conflict(WfoError):
    """The change conflicts with the current state: a name is taken, a revision moved on, it is in use."""

    status = 409


class TooLarge(WfoError):
    """A body, file or archive exceeds a size limit (the message names the limit)."""

    status = 413


class UnsupportedMedia(WfoError):
    """The content cannot be handled in this form (binary where text is needed, another format)."""

    status = 415


class InvalidInput(WfoError):
    """A name, file or setting is not acceptable; the message says why."""

    status = 422


class Unavailable(WfoError):
    """A component the request needs is not running or did not answer in time; try again later."""

    status = 503


class ServerFault(WfoError):
    """The platform itself is in a state it cannot serve from (a lost Fernet key, a broken git folder)."""

    status = 500


# Statuses a domain error may carry, for the OpenAPI documentation of routes.
DOMAIN_STATUSES: tuple[int, ...] = (400, 403, 404, 409, 413, 415, 422, 503)
