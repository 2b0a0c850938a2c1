"""A SQL table read through an Airflow connection, streamed to a local CSV file in batches.

Read-only: the session is set read-only before the query, the table name is an identifier checked by
`wfo.eda.sources` and quoted here, and rows are fetched through a server-side cursor `BATCH_ROWS` at a time,
so memory does not grow with the table. Credentials stay in the connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import Source

BATCH_ROWS = 50_000
SUPPORTED = ("postgres",)


def export_table(source: Source, folder: Path) -> Path:
    """The table of a `conn://` source as a CSV file in `folder`."""
    import polars as pl
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(source.conn_id)
    if connection.conn_type not in SUPPORTED:
        raise BadSource(
            f"Connection {source.conn_id!r} is of type {connection.conn_type!r}; EDA reads {', '.join(SUPPORTED)}."
        )
    hook: Any = connection.get_hook()  # type: ignore[no-untyped-call]
    out = folder / f"{source.conn_id}.{source.table}.csv"
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
                batch = cursor.fetchmany(BATCH_ROWS)
            except Exception as exc:  # the driver's error names the problem (no such table, no permission)
                if type(exc).__module__.startswith("psycopg"):
                    raise UnreadableSource(f"{source.text}: {str(exc).strip()}") from exc
                raise
            names = [d[0] for d in cursor.description]
            with out.open("wb") as handle:
                first = True
                while batch or first:
                    frame = pl.DataFrame(
                        batch, schema=names, orient="row", infer_schema_length=None, strict=False
                    )
                    frame.write_csv(handle, include_header=first)
                    first = False
                    batch = cursor.fetchmany(BATCH_ROWS)
    finally:
        conn.close()
    return out
