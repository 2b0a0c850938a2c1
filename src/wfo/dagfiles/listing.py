"""What Airflow made of each file of the DAGs folder: the DAG ids it defines and its parse state.

Read from Airflow's own tables (DagModel rows of the `dags-folder` bundle by `relative_fileloc`,
ParseImportError by bundle and file name). A file changed after its last parse is "pending": the
DAG ids shown are then those of the previous version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

BUNDLE = "dags-folder"
# wfo's example DAGs, shipped in the package (`wfo.cli.airflow_config.bundle_config`).
EXAMPLES_BUNDLE = "wfo-examples"
State = Literal["ok", "error", "pending"]


@dataclass(frozen=True)
class ParseState:
    state: State
    dag_ids: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class _Parsed:
    dag_ids: list[str] = field(default_factory=list)
    parsed_at: datetime | None = None
    error: str | None = None
    error_at: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_states(
    session: Session, files: Iterable[tuple[str, datetime]], bundle: str = BUNDLE
) -> dict[str, ParseState]:
    """The parse state of each (relative name, modified time) in `files`."""
    from airflow.models.dag import DagModel
    from airflow.models.errors import ParseImportError

    wanted = dict(files)
    parsed: dict[str, _Parsed] = {name: _Parsed() for name in wanted}
    if wanted:
        rows = session.execute(
            select(DagModel.dag_id, DagModel.relative_fileloc, DagModel.last_parsed_time).where(
                DagModel.bundle_name == bundle, DagModel.is_stale.is_(False)
            )
        ).all()
        for dag_id, relative, parsed_at in rows:
            entry = parsed.get(relative or "")
            if entry is None:
                continue
            entry.dag_ids.append(dag_id)
            at = _aware(parsed_at)
            if at is not None and (entry.parsed_at is None or at < entry.parsed_at):
                entry.parsed_at = at
        errors = session.execute(
            select(ParseImportError.filename, ParseImportError.stacktrace, ParseImportError.timestamp).where(
                ParseImportError.bundle_name == bundle
            )
        ).all()
        for filename, stacktrace, timestamp in errors:
            entry = parsed.get(filename or "")
            if entry is not None:
                entry.error, entry.error_at = stacktrace or "import error", _aware(timestamp)
    return {name: _state(parsed[name], modified) for name, modified in wanted.items()}


def _state(entry: _Parsed, modified: datetime) -> ParseState:
    dag_ids = sorted(entry.dag_ids)
    if entry.error is not None and entry.error_at is not None and entry.error_at >= modified:
        return ParseState("error", dag_ids, entry.error)
    if dag_ids and entry.parsed_at is not None and entry.parsed_at >= modified:
        return ParseState("ok", dag_ids)
    return ParseState("pending", dag_ids)
