"""The EDA page's saved sources and their outputs tree in the object store.

`outputs/<source>/<preliminary|data_importance>/<timestamp>/<report>.html` (+ `.json`), as the runs write them.
A source is saved by its text; deleting it leaves its outputs (they are deleted one run folder at a time).
"""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wfo.db.models import EdaSource
from wfo.eda.errors import BadSource, EdaError
from wfo.eda.runs import MAX_REPORT_BYTES
from wfo.eda.schemas import ReportKind
from wfo.eda.sources import dataset_file, parse_source
from wfo.errors import Conflict, NotFound
from wfo.settings import Settings
from wfo.storage.objectstore import ObjectStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

OUTPUT_FOLDER = re.compile(r"^outputs/[A-Za-z0-9._-]+/(preliminary|data_importance)/[0-9TZ-]+$")
OUTPUT_FILE = re.compile(
    r"^outputs/[A-Za-z0-9._-]+/(preliminary|data_importance)/[0-9TZ-]+/[a-z_]+\.(html|json)$"
)


class SourceExists(EdaError, Conflict):
    """This source is saved already."""


class SourceNotFound(EdaError, NotFound):
    """No saved source with this id."""


class OutputNotFound(EdaError, NotFound):
    """No output under this key."""


class EdaSourceCreate(BaseModel):
    source: str = Field(max_length=500)
    target: str | None = Field(default=None, max_length=1000)


class EdaOutput(BaseModel):
    kind: ReportKind
    timestamp: str
    folder: str
    report: str | None = Field(
        description="Object key of the HTML report (None while the run has not written it)."
    )
    json_key: str | None


class EdaSourcePublic(BaseModel):
    id: int
    source: str
    target: str | None
    created_at: datetime
    created_by: str | None
    outputs: list[EdaOutput] = Field(description="Newest first.")


class EdaSourceList(BaseModel):
    sources: list[EdaSourcePublic]


def list_sources(session: Session, settings: Settings, store: ObjectStore) -> EdaSourceList:
    rows = session.scalars(select(EdaSource).order_by(EdaSource.source)).all()
    return EdaSourceList(sources=[_public(row, settings, store) for row in rows])


def add_source(session: Session, body: EdaSourceCreate, username: str, settings: Settings) -> EdaSourcePublic:
    parsed = parse_source(body.source, settings)
    if parsed.scheme == "dataset":  # a model's name, or no such dataset: refused now, not at each run
        dataset_file(parsed, ObjectStore.from_settings(settings))
    if session.scalar(select(EdaSource.id).where(EdaSource.source == parsed.text)) is not None:
        raise SourceExists(f"{parsed.text} is saved already.")
    row = EdaSource(source=parsed.text, target=(body.target or "").strip() or None, created_by=username)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # saved at the same moment by someone else
        raise SourceExists(f"{parsed.text} is saved already.") from exc
    return EdaSourcePublic(
        id=row.id,
        source=row.source,
        target=row.target,
        created_at=row.created_at,
        created_by=row.created_by,
        outputs=[],
    )


def delete_source(session: Session, source_id: int) -> str:
    row = session.get(EdaSource, source_id)
    if row is None:
        raise SourceNotFound(f"No saved source {source_id}.")
    session.delete(row)
    return row.source


def read_output(key: str, store: ObjectStore) -> bytes:
    if not OUTPUT_FILE.match(key) or ".." in key:
        raise OutputNotFound(f"No output {key!r}.")
    if not store.exists(key):
        raise OutputNotFound(f"No output {key!r}.")
    return store.get_bytes(key, max_bytes=MAX_REPORT_BYTES)


def delete_output(folder: str, store: ObjectStore) -> int:
    """Delete one run's output folder; returns how many files went."""
    folder = folder.strip("/")
    if not OUTPUT_FOLDER.match(folder):
        raise BadSource("Outputs are deleted one run folder at a time: outputs/<source>/<kind>/<timestamp>.")
    deleted = store.delete_prefix(folder)
    if not deleted:
        raise OutputNotFound(f"No output under {folder!r}.")
    return deleted


def _public(row: EdaSource, settings: Settings, store: ObjectStore) -> EdaSourcePublic:
    try:
        slug = parse_source(row.source, settings).slug
    except BadSource:  # saved under rules that changed since: listed, without outputs
        slug = ""
    return EdaSourcePublic(
        id=row.id,
        source=row.source,
        target=row.target,
        created_at=row.created_at,
        created_by=row.created_by,
        outputs=outputs_of(slug, store) if slug else [],
    )


def outputs_of(slug: str, store: ObjectStore) -> list[EdaOutput]:
    folders: dict[str, dict[str, str]] = {}
    for info in store.list(f"outputs/{slug}"):
        folder, name = posixpath.split(info.key)
        if OUTPUT_FOLDER.match(folder):
            folders.setdefault(folder, {})[posixpath.splitext(name)[1]] = info.key
    out = [
        EdaOutput(
            kind=cast("ReportKind", folder.split("/")[2]),  # OUTPUT_FOLDER admits only the two kinds
            timestamp=folder.split("/")[3],
            folder=folder,
            report=files.get(".html"),
            json_key=files.get(".json"),
        )
        for folder, files in folders.items()
    ]
    return sorted(out, key=lambda o: o.timestamp, reverse=True)
