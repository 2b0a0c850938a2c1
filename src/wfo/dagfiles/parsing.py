"""Ask Airflow's dag-processor to parse a saved file now instead of at its next bundle refresh.

Airflow 3.3 keeps such requests in `dag_priority_parsing_request` (`DagPriorityParsingRequest`); the
dag-processor claims them at the top of every loop (about once a second), puts the file at the front
of its queue and force-refreshes the bundle so a brand-new file is found too. The row's primary key is
an md5 of `bundle_name:relative_fileloc`, so a second request for the same file while the first is
still pending would violate it: we insert with "on conflict do nothing" (the pending request already
does what we want).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_BUNDLE = "dags-folder"


def request_id(relative_path: str, bundle_name: str = DEFAULT_BUNDLE) -> str:
    """The primary key Airflow gives the request (`airflow.models.dagbag.generate_md5_hash`)."""
    return hashlib.md5(f"{bundle_name}:{relative_path}".encode()).hexdigest()


def request_priority_parse(
    relative_path: str, bundle_name: str = DEFAULT_BUNDLE, *, session: Session | None = None
) -> None:
    """Upsert a priority-parse request for `relative_path` (relative to the bundle's root).

    Idempotent: calling it twice before the dag-processor claims the first request is fine. With
    `session`, the row is added to the caller's transaction (committed by the caller); otherwise
    in a transaction of its own.
    """
    relative_path = relative_path.lstrip("/")
    if not relative_path:
        raise ValueError("relative_path must name a file inside the bundle")
    if session is not None:
        _insert(session, relative_path, bundle_name)
        return
    from airflow.utils.session import create_session

    with create_session(scoped=False) as own_session:
        _insert(own_session, relative_path, bundle_name)


def _insert(session: Session, relative_path: str, bundle_name: str) -> None:
    from airflow.models.dagbag import DagPriorityParsingRequest

    table = DagPriorityParsingRequest.__table__
    values = {
        "id": request_id(relative_path, bundle_name),
        "bundle_name": bundle_name,
        "relative_fileloc": relative_path,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    elif dialect == "mysql":
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        statement = mysql_insert(table).values(**values)
        session.execute(statement.on_duplicate_key_update(id=statement.inserted.id))
    else:  # pragma: no cover - Airflow supports only the three above
        from sqlalchemy import select

        if session.scalar(select(table.c.id).where(table.c.id == values["id"])) is None:
            session.execute(table.insert().values(**values))
