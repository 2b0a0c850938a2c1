"""Code artifacts a DAG file names that the repository does not hold: a warning, like a missing Variable.

The validator reports the `code_artifact` of every task it loaded (`ValidationResult.code_artifacts`);
here, in the api-server, they are looked up in the code-artifact repository. A missing one does not
block saving (the artifact may be uploaded before the DAG runs), but the task would fail at run time,
so the warning names the artifacts that exist, and the closest ones first.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Sequence

from wfo.dagfiles.schemas import Problem, ValidationResult
from wfo.errors import InvalidInput, WfoError
from wfo.repositories.code_artifacts import CodeArtifacts
from wfo.repositories.errors import NotFoundError

log = logging.getLogger(__name__)
# At most this many known names in one message.
SHOWN_NAMES = 12


def missing_artifact_warnings(
    validation: ValidationResult, content: str, artifacts: CodeArtifacts | None = None
) -> ValidationResult:
    """`validation` with a warning for each code artifact the file uses that the repository lacks.

    A repository that cannot be read (object store down or misconfigured) adds nothing: the check is a
    help, and validation must not fail because of it.
    """
    if not validation.code_artifacts:
        return validation
    try:
        repository = artifacts if artifacts is not None else CodeArtifacts.from_settings()
        missing = [name for name in validation.code_artifacts if not _exists(repository, name)]
        known = [manifest.name for manifest in repository.search()] if missing else []
    except (WfoError, OSError) as exc:
        log.warning("code artifacts not checked: %s", exc)
        return validation
    if not missing:
        return validation
    warnings = [
        Problem(kind="missing_artifact", message=_message(name, known), line=_line_of(content, name))
        for name in missing
    ]
    return validation.model_copy(update={"warnings": [*validation.warnings, *warnings]})


def _exists(repository: CodeArtifacts, name: str) -> bool:
    try:
        repository.get(name)
    except (NotFoundError, InvalidInput):  # InvalidInput: not even a valid artifact name (a path ...)
        return False
    return True


def _message(name: str, known: Sequence[str]) -> str:
    text = f"code artifact {name!r} does not exist in the code-artifact repository; upload it before the DAG runs"
    if not known:
        return f"{text} (the repository is empty)"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    rest = [k for k in known if k not in close]
    shown = [*close, *rest][:SHOWN_NAMES]
    more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
    return f"{text}{hint} (known: {', '.join(shown)}{more})"


def _line_of(content: str, name: str) -> int | None:
    """The first line that names the artifact as a string (`code_artifact="x.py"` first)."""
    quoted = re.compile(rf"""(['"]){re.escape(name)}\1""")
    fallback: int | None = None
    for number, text in enumerate(content.splitlines(), start=1):
        if quoted.search(text):
            if "code_artifact" in text:
                return number
            fallback = fallback or number
    return fallback
