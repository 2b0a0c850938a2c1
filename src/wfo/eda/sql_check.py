"""The check of a query source: one read-only SELECT (or WITH ... SELECT), parsed with sqlglot.

This is the first of two locks (the second: `wfo.eda.sql` runs the query in a read-only transaction with a
row limit and a statement timeout). Refused, with the reason: more than one statement, anything that is not
a query (INSERT, UPDATE, DELETE, MERGE, DDL, SET, COPY, CALL, commands sqlglot does not parse), a
data-modifying CTE, `SELECT ... INTO`, locking clauses (`FOR UPDATE`/`FOR SHARE`), and server functions that
act outside the transaction (files, other sessions, locks, settings, notifications, remote queries).

The worker runs the SQL sqlglot generates from the checked tree (without comments), so what was checked is
what runs: a MySQL `/*! ... */` comment cannot smuggle a second statement past the parser.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from wfo.eda.errors import BadSource

MAX_QUERY = 3500
DIALECTS = ("postgres", "mysql")
# Functions that act outside a read-only transaction (or read the server's files): refused by name.
FORBIDDEN_FUNCTIONS = frozenset(
    {
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_notify", "set_config",
        "pg_logical_emit_message", "pg_switch_wal", "pg_create_restore_point", "pg_promote",
        "load_file", "get_lock", "release_lock", "release_all_locks", "sys_exec", "sys_eval",
        "benchmark", "master_pos_wait", "source_pos_wait",
    }
)  # fmt: skip
FORBIDDEN_PREFIXES = ("pg_advisory", "pg_try_advisory", "lo_", "dblink", "pg_replication", "pg_create_")
WRITING_NODES = (exp.DML, exp.DDL, exp.Into, exp.Lock, exp.Command, exp.Set, exp.Transaction, exp.Commit,
                 exp.Rollback, exp.Use)  # fmt: skip


def check_query(query: str, dialect: str | None = None) -> str:
    """`query`, stripped, if it is one read-only query in `dialect` (None: PostgreSQL or MySQL, as it
    parses; a query that parses as something else in either is refused). `BadSource` with the reason."""
    query = query.strip().rstrip(";").strip()
    if not query or len(query) > MAX_QUERY:
        raise BadSource(f"The query must be one SELECT of at most {MAX_QUERY} characters.")
    parsed = 0
    errors = []
    for name in (dialect,) if dialect else DIALECTS:
        try:
            _checked_tree(query, name)
            parsed += 1
        except _Unparsable as exc:
            errors.append(str(exc))
    if not parsed:
        raise BadSource(f"The query cannot be parsed as SQL: {errors[0]}")
    return query


def runnable_sql(query: str, dialect: str, limit: int) -> str:
    """The SQL the worker sends: the checked query as sqlglot writes it in `dialect`, without comments,
    as a subquery with at most `limit` rows."""
    tree = _checked_tree(query, dialect)
    body = tree.sql(dialect=dialect, comments=False)
    return f"SELECT * FROM ({body}) AS wfo_query LIMIT {int(limit)}"


class _Unparsable(Exception):
    pass


def _checked_tree(query: str, dialect: str) -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise _Unparsable(str(exc).splitlines()[0]) from exc
    if len(statements) != 1:
        raise BadSource("The query must be a single statement (no ';' between statements).")
    [tree] = statements
    if not isinstance(tree, exp.Query):
        what = str(tree.this).split()[0] if isinstance(tree, exp.Command) and tree.this else tree.key
        raise BadSource(f"The query must be a SELECT (or WITH ... SELECT), not {what.upper()}.")
    for node in tree.walk():
        if isinstance(node, WRITING_NODES):
            what = "SELECT ... INTO" if isinstance(node, exp.Into) else node.key.upper()
            if isinstance(node, exp.Lock):
                what = "a locking clause (FOR UPDATE/FOR SHARE)"
            raise BadSource(f"The query must only read: it contains {what}.")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES):
                raise BadSource(f"The query may not call {name}(): it acts outside a read-only transaction.")
    return tree
