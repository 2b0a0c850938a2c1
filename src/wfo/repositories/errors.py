"""Domain errors of the repositories; routes map them to HTTP codes (404, 409, 415, 422)."""

from __future__ import annotations

from typing import Any


class RepositoryError(ValueError):
    """Base class: a repository refused a request."""


class NotFoundError(RepositoryError):
    """No file (or no version of it) by that name."""


class InUseError(RepositoryError):
    """The file cannot be deleted: something still refers to it."""

    def __init__(self, message: str, users: list[str]) -> None:
        super().__init__(message)
        self.users = users


class NotTextError(RepositoryError):
    """The file cannot be shown as text (binary, or not UTF-8)."""


class InvalidUploadError(RepositoryError):
    """A multi-file upload is malformed as a whole (no files, the same name twice ...)."""


class ImportRefusedError(RepositoryError):
    """An import archive held files that cannot be imported; nothing was written."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message)
        self.report = report
