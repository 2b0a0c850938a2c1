"""What a source string may name: datasets by name and read-only queries (the parser's refusals)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from wfo.eda.errors import BadSource
from wfo.eda.sources import MAX_QUERY_ROWS, Source, parse_source
from wfo.eda.sql_check import runnable_sql
from wfo.settings import get_settings


def parse(text: str) -> Source:
    return parse_source(text, get_settings())


def query(sql: str, extra: str = "") -> str:
    return f"conn://pg?query={quote(sql)}{extra}"


def test_a_dataset_by_name_or_url_with_an_optional_version() -> None:
    bare, latest, pinned = (
        parse("sales-2026.csv"),
        parse("dataset://sales-2026.csv"),
        parse("dataset://iris@3"),
    )
    assert bare == latest and bare.scheme == "dataset" and bare.path == "sales-2026.csv"
    assert bare.version is None and bare.slug == "dataset_sales-2026.csv"
    assert (pinned.path, pinned.version) == ("iris", 3)
    for text in ("dataset://../models", "dataset://iris@0", "dataset://a/b", "dataset://"):
        with pytest.raises(BadSource, match="dataset://<name>"):
            parse(text)


def test_a_query_source_keeps_its_query_and_limit() -> None:
    source = parse(query("SELECT a, count(*) FROM t GROUP BY a;", "&limit=10"))
    assert (source.conn_id, source.query, source.limit) == ("pg", "SELECT a, count(*) FROM t GROUP BY a", 10)
    assert parse(query("WITH x AS (SELECT 1 AS a) SELECT a FROM x")).limit == MAX_QUERY_ROWS
    assert source.slug.startswith("conn_pg_query_")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("DELETE FROM t", "not DELETE"),
        ("SELECT 1; DROP TABLE t", "single statement"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "contains DELETE"),
        ("WITH d AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM d", "contains INSERT"),
        ("SELECT * FROM (SELECT 1) s WHERE EXISTS (SELECT 1 FROM t FOR SHARE)", "locking clause"),
        ("SELECT * INTO TEMP copy FROM t", "SELECT ... INTO"),
        ("SELECT a FROM t INTO OUTFILE '/tmp/x'", "cannot be parsed"),
        ("SELECT lo_export(1, '/tmp/x')", "lo_export"),
        ("SELECT LOAD_FILE('/etc/passwd')", "load_file"),
        ("SET ROLE admin", "SELECT"),
        ("CALL wipe()", "not CALL"),
        ("SELEC 1", "cannot be parsed"),
    ],
)
def test_a_query_that_is_not_one_read_only_select_is_refused(sql: str, reason: str) -> None:
    with pytest.raises(BadSource, match=reason.replace("(", r"\(").replace(".", r"\.")):
        parse(query(sql))


@pytest.mark.parametrize("extra", ["&limit=0", f"&limit={MAX_QUERY_ROWS + 1}", "&limit=x", "&table=t"])
def test_query_parameters_are_checked(extra: str) -> None:
    with pytest.raises(BadSource, match="limit"):
        parse(query("SELECT 1", extra))


def test_the_worker_runs_what_was_checked_without_comments_and_with_the_limit() -> None:
    # A MySQL executable comment would run its content on the server: it is dropped, not sent.
    sql = runnable_sql("SELECT a FROM t /*!50000 ; DROP TABLE t */", "mysql", 5)
    assert sql == "SELECT * FROM (SELECT a FROM t) AS wfo_query LIMIT 5"
