"""A SQL table or query read through an Airflow connection, streamed to a local CSV file in batches.

Read-only: the statement runs inside a read-only transaction (PostgreSQL `SET TRANSACTION READ ONLY`,
MySQL/MariaDB `START TRANSACTION READ ONLY`: the server refuses any write, also one made by a function the
query calls), with a statement timeout (`TIMEOUT_S`). A table name is an identifier checked by
`wfo.eda.sources` and quoted here; a query is checked again with the connection's dialect
(`wfo.eda.sql_check`), and the SQL sqlglot writes from it runs, wrapped with a `LIMIT` (the source's row
limit). Rows are fetched through a server-side cursor `BATCH_ROWS` at a time, so memory does not grow with
the table. Credentials stay in the connection: give EDA a connection whose user may only read.

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
from wfo.eda.sources import Source, airflow_connection

BATCH_ROWS = 50_000
TIMEOUT_S = 900
SUPPORTED = ("postgres", "mysql", "mariadb")

Batches = tuple[list[str], Iterator[Sequence[Sequence[Any]]]]


def export_table(source: Source, folder: Path) -> Path:
    """The table of a `conn://` source as a CSV file in `folder`."""
    import polars as pl

    connection = airflow_connection(source)
    if connection.conn_type not in SUPPORTED:
        raise BadSource(
            f"Connection {source.conn_id!r} is of type {connection.conn_type!r}; EDA reads {', '.join(SUPPORTED)}."
        )
    postgres = connection.conn_type == "postgres"
    reader = _postgres if postgres else _mysql
    out = folder / f"{source.conn_id}.{source.table or 'query'}.csv"
    with (
        reader(connection, source, statement(source, postgres)) as (names, batches),
        out.open("wb") as handle,
    ):
        first = True
        for batch in batches:
            frame = pl.DataFrame(batch, schema=names, orient="row", infer_schema_length=None, strict=False)
            frame.write_csv(handle, include_header=first)
            first = False
        if first:  # an empty table: its header
            pl.DataFrame(schema=dict.fromkeys(names, pl.String)).write_csv(handle)
    return out


def statement(source: Source, postgres: bool) -> str:
    """The SELECT a `conn://` source runs: its table's rows, or its checked query with its row limit."""
    if source.query:
        from wfo.eda.sql_check import runnable_sql

        return runnable_sql(source.query, "postgres" if postgres else "mysql", source.limit)
    mark = '"' if postgres else "`"
    return "SELECT * FROM " + ".".join(f"{mark}{part}{mark}" for part in source.table.split("."))


def _fetch(cursor: Any) -> Iterator[Sequence[Sequence[Any]]]:
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


def _driver_error(source: Source, exc: Exception, modules: tuple[str, ...]) -> UnreadableSource | None:
    if type(exc).__module__.startswith(modules):
        return UnreadableSource(f"{source.text}: {str(exc).strip()}")
    return None


@contextmanager
def _postgres(connection: Any, source: Source, sql: str) -> Iterator[Batches]:
    hook: Any = connection.get_hook()
    conn = hook.get_conn()
    try:
        if hasattr(conn, "set_session"):  # psycopg2
            conn.set_session(readonly=True, autocommit=False)
        else:  # psycopg 3, the postgres provider's driver when installed
            conn.read_only = True
            conn.autocommit = False
        with conn.cursor() as setup:  # the first statements of the transaction the query runs in
            setup.execute("SET TRANSACTION READ ONLY")
            setup.execute(f"SET LOCAL statement_timeout = {TIMEOUT_S * 1000}")
        with conn.cursor(name="wfo_eda") as cursor:  # a named cursor is a server-side cursor in both
            cursor.itersize = BATCH_ROWS
            try:
                cursor.execute(sql)
                head = cursor.fetchmany(BATCH_ROWS)
            except Exception as exc:  # the driver's error names the problem (no such table, no permission)
                raise _driver_error(source, exc, ("psycopg",)) or exc from exc
            names = [d[0] for d in cursor.description]
            yield names, _chain(head, cursor)
    finally:
        conn.close()


@contextmanager
def _mysql(connection: Any, source: Source, sql: str) -> Iterator[Batches]:
    import pymysql
    import pymysql.cursors

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
                _mysql_timeout(cursor)
                cursor.execute("START TRANSACTION READ ONLY")
                cursor.execute(sql)
                head = cursor.fetchmany(BATCH_ROWS)
            except pymysql.MySQLError as exc:
                raise UnreadableSource(f"{source.text}: {exc}") from exc
            names = [d[0] for d in cursor.description]
            yield names, _chain(head, cursor)
    finally:
        conn.close()


def _mysql_timeout(cursor: Any) -> None:
    """The statement timeout: `max_statement_time` (seconds) on MariaDB, `max_execution_time` (ms) on MySQL."""
    import pymysql

    try:
        cursor.execute(f"SET SESSION max_statement_time = {TIMEOUT_S}")
    except pymysql.MySQLError:
        cursor.execute(f"SET SESSION max_execution_time = {TIMEOUT_S * 1000}")


def _chain(head: Sequence[Sequence[Any]], cursor: Any) -> Iterator[Sequence[Sequence[Any]]]:
    if head:
        yield head
    yield from _fetch(cursor)
