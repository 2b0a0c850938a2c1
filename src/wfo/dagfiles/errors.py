"""Domain errors of the DAG files; each carries the HTTP status it means (`wfo.errors`).

A file hidden from a reader must answer exactly like a missing one, so the "not found" messages are
built in one place (`DagFileNotFound.no_file` ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wfo.errors import BadRequest, Conflict, NotFound, ServerFault, TooLarge, Unavailable, WfoError

if TYPE_CHECKING:
    from wfo.dagfiles.schemas import DagFileCheck, DagFileUploadReport, Problem


class DagFileError(WfoError):
    """Base class: a request about a DAG file was refused (422 unless a subclass says otherwise)."""


class InvalidDagFileName(DagFileError, BadRequest):
    """The name is not a relative `.py` path inside the DAGs folder."""


class DagFileNotFound(DagFileError, NotFound):
    """No such file (or no such commit, or the file did not exist at that commit)."""

    @classmethod
    def no_file(cls, name: str) -> DagFileNotFound:
        return cls(f"there is no DAG file {name!r}")

    @classmethod
    def nowhere(cls, name: str) -> DagFileNotFound:
        return cls(f"there is no DAG file {name!r} and none in the history")

    @classmethod
    def not_at(cls, name: str, commit: str) -> DagFileNotFound:
        return cls(f"{name!r} did not exist at commit {commit}")


class DagFileExists(DagFileError, Conflict):
    """A new file (a copy of an example) would replace a file of the same name; nothing was written."""


class InvalidDagFileContent(DagFileError):
    """The content cannot be stored as a DAG file (not UTF-8 text, too large)."""


class DagFileTooLarge(InvalidDagFileContent, TooLarge):
    """The content is larger than the DAG-file limit (checked before anything parses it)."""


class RevisionConflict(DagFileError, Conflict):
    """The file changed since the revision the caller based the change on; nothing was written.

    The answer's `detail` says what the file is now (revision, content, author, time) for the review.
    """

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message, details={"message": message, **current})


class ValidationFailed(DagFileError):
    """The file does not pass validation and `force` was not given; nothing was written.

    The answer's `detail` holds the message, the validation and the proposed upgrade.
    """

    def __init__(self, name: str, check: DagFileCheck) -> None:
        count = len(check.validation.errors)
        message = (
            f"{name!r} did not pass validation ({count} error{'s' if count != 1 else ''}); fix it, "
            "or save it anyway with force"
        )
        super().__init__(message, details={"message": message, **check.model_dump(mode="json")})
        self.check = check


def _rejected_reasons(report: DagFileUploadReport, shown: int = 10) -> str:
    """The first `shown` rejected files and why, and how many more there are."""
    reasons = "; ".join(f"{r.name}: {r.reason}" for r in report.rejected[:shown])
    rest = len(report.rejected) - shown
    return reasons + (f"; and {rest} more" if rest > 0 else "")


class NothingImported(DagFileError):
    """Every file of an upload or import was rejected; nothing was written.

    The answer carries the report next to `detail` (every file, and why it was rejected).
    """

    def __init__(self, report: DagFileUploadReport) -> None:
        reasons = _rejected_reasons(report)
        super().__init__(
            f"no file was accepted, {len(report.rejected)} rejected: {reasons}",
            extra=report.model_dump(mode="json"),
        )
        self.report = report


class ImportRefused(DagFileError):
    """An import was refused because files of it were (all or nothing); nothing was written.

    The answer carries the report next to `detail`: the refused files and why, the others held back.
    """

    def __init__(self, report: DagFileUploadReport) -> None:
        reasons = _rejected_reasons(report)
        super().__init__(
            f"nothing was imported, {len(report.rejected)} file(s) refused: {reasons}",
            extra=report.model_dump(mode="json"),
        )
        self.report = report


class UpgradeFailed(DagFileError):
    """The upgrade of a file was stopped (time or memory limit) or crashed; the message says which."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class ValidatorUnavailable(DagFileError, Unavailable):
    """The validator process could not be reached or started; try again."""


class GitError(DagFileError, ServerFault):
    """A git command of the DAGs folder's history failed (the message carries git's own error output)."""
