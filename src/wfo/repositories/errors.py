"""Domain errors of the repositories; each carries the HTTP status it means (`wfo.errors`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfo.errors import Conflict, InvalidInput, NotFound, UnsupportedMedia, WfoError


class RepositoryError(WfoError):
    """Base class: a repository refused a request (422 unless a subclass says otherwise)."""


class NotFoundError(RepositoryError, NotFound):
    """No file (or no version of it) by that name."""


class InUseError(RepositoryError, Conflict):
    """The file cannot be deleted: something still refers to it."""

    def __init__(self, message: str, users: list[str]) -> None:
        super().__init__(message)
        self.users = users


class NotTextError(RepositoryError, UnsupportedMedia):
    """The file cannot be shown as text (binary, or not UTF-8)."""


class InvalidUploadError(RepositoryError, InvalidInput):
    """A multi-file upload is malformed as a whole (no files, the same name twice ...)."""


class ImportRefusedError(RepositoryError, InvalidInput):
    """An import archive held files that cannot be imported; nothing was written.

    The answer carries the import's report next to `detail` (which files were refused and why).
    """

    def __init__(self, message: str, report: Mapping[str, Any]) -> None:
        super().__init__(message, extra=report)
        self.report = dict(report)
