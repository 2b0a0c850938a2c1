"""A SQL table read through an Airflow connection, streamed to a local CSV file in batches.

Read-only: the session is set read-only before the query, the table name is an identifier checked by
`wfo.eda.sources` and quoted here, and rows are fetched through a server-side cursor `BATCH_ROWS` at a time,
so memory does not grow with the table. Credentials stay in the connection.

* `postgres`: the connection's hook (psycopg 2 or 3), a named (server-side) cursor;
* `mysql` / `mariadb`: PyMySQL with the connection's host, port, login, password and schema (database), an
  unbuffered `SSCursor` (no MySQL provider needed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import Source

BATCH_ROWS = 50_000
SUPPORTED = ("postgres", "mysql", "mariadb")

Batches = tuple[list[str], Iterator[Sequence[Sequence[Any]]]]


def export_table(source: Source, folder: Path) -> Path:
    """The table of a `conn://` source as a CSV file in `folder`."""
    import polars as pl
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(source.conn_id)
    if connection.conn_type not in SUPPORTED:
        raise BadSource(
            f"Connection {source.conn_id!r} is of type {connection.conn_type!r}; EDA reads {', '.join(SUPPORTED)}."
        )
    reader = _postgres if connection.conn_type == "postgres" else _mysql
    out = folder / f"{source.conn_id}.{source.table}.csv"
    with reader(connection, source) as (names, batches), out.open("wb") as handle:
        first = True
        for batch in batches:
            frame = pl.DataFrame(batch, schema=names, orient="row", infer_schema_length=None, strict=False)
            frame.write_csv(handle, include_header=first)
            first = False
        if first:  # an empty table: its header
            pl.DataFrame(schema=dict.fromkeys(names, pl.String)).write_csv(handle)
    return out


def _fetch(cursor: Any) -> Iterator[Sequence[Sequence[Any]]]:
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


def _driver_error(source: Source, exc: Exception, modules: tuple[str, ...]) -> UnreadableSource | None:
    if type(exc).__module__.startswith(modules):
        return UnreadableSource(f"{source.text}: {str(exc).strip()}")
    return None


@contextmanager
def _postgres(connection: Any, source: Source) -> Iterator[Batches]:
    hook: Any = connection.get_hook()
    quoted = ".".join(f'"{part}"' for part in source.table.split("."))
    conn = hook.get_conn()
    try:
        if hasattr(conn, "set_session"):  # psycopg2
            conn.set_session(readonly=True)
        else:  # psycopg 3, the postgres provider's driver when installed
            conn.read_only = True
        with conn.cursor(name="wfo_eda") as cursor:  # a named cursor is a server-side cursor in both
            cursor.itersize = BATCH_ROWS
            try:
                cursor.execute(f"SELECT * FROM {quoted}")
                head = cursor.fetchmany(BATCH_ROWS)
            except Exception as exc:  # the driver's error names the problem (no such table, no permission)
                raise _driver_error(source, exc, ("psycopg",)) or exc from exc
            names = [d[0] for d in cursor.description]
            yield names, _chain(head, cursor)
    finally:
        conn.close()


@contextmanager
def _mysql(connection: Any, source: Source) -> Iterator[Batches]:
    import pymysql
    import pymysql.cursors

    quoted = ".".join(f"`{part}`" for part in source.table.split("."))
    try:
        conn = pymysql.connect(
            host=connection.host or "localhost",
            port=int(connection.port or 3306),
            user=connection.login or "",
            password=connection.password or "",
            database=connection.schema or None,
            charset="utf8mb4",
            cursorclass=pymysql.cursors.SSCursor,
            connect_timeout=30,
        )
    except pymysql.MySQLError as exc:
        raise UnreadableSource(f"{source.text}: cannot connect: {exc}") from exc
    try:
        with conn.cursor() as cursor:
            try:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute("START TRANSACTION READ ONLY")
                cursor.execute(f"SELECT * FROM {quoted}")
                head = cursor.fetchmany(BATCH_ROWS)
            except pymysql.MySQLError as exc:
                raise UnreadableSource(f"{source.text}: {exc}") from exc
            names = [d[0] for d in cursor.description]
            yield names, _chain(head, cursor)
    finally:
        conn.close()


def _chain(head: Sequence[Sequence[Any]], cursor: Any) -> Iterator[Sequence[Sequence[Any]]]:
    if head:
        yield head
    yield from _fetch(cursor)
