"""Errors of the EDA area, each with the HTTP status it means."""

from __future__ import annotations

from wfo.errors import BadRequest, NotFound, WfoError


class EdaError(WfoError):
    """Base of the EDA area's errors."""


class UnreadableSource(EdaError):
    """The source exists but cannot be read as a table (not CSV/TSV/Excel, broken, empty sheet)."""

    status = 422


class BadSource(EdaError, BadRequest):
    """The source string can never name a readable source (an unknown scheme, a malformed table name)."""


class UnknownTarget(EdaError, BadRequest):
    """The target column of a data-importance run is missing from the source or unusable."""


class RunNotFound(EdaError, NotFound):
    """No EDA run with this id."""
