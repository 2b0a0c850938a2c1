"""A query source's statement timeout and row limit, on the real local PostgreSQL and MariaDB (no platform:
the worker's reader, with the connections given as Airflow's `AIRFLOW_CONN_*` variables)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from wfo.eda import sql
from wfo.eda.errors import UnreadableSource
from wfo.eda.sources import parse_source
from wfo.settings import get_settings

pytestmark = pytest.mark.integration

SLOW = {
    "postgres://postgres@127.0.0.1:5432/postgres": "SELECT pg_sleep(5) AS s",
    "mysql://root@127.0.0.1:3306/test": "SELECT count(*) AS n FROM information_schema.columns a, "
    "information_schema.columns b, information_schema.columns c",
}


@pytest.mark.parametrize("uri", list(SLOW))
def test_a_query_is_stopped_by_the_timeout_and_cut_at_the_limit(
    uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_EDA_LIMITS", uri)
    monkeypatch.setattr(sql, "TIMEOUT_S", 1)
    slow = parse_source(f"conn://eda_limits?query={quote(SLOW[uri])}", get_settings())
    with pytest.raises(UnreadableSource, match="timeout|execution time|interrupted"):
        sql.export_table(slow, tmp_path)
    rows = "SELECT id FROM (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS t ORDER BY id"
    cut = parse_source(f"conn://eda_limits?query={quote(rows)}&limit=3", get_settings())
    assert sql.export_table(cut, tmp_path).read_text().split() == ["id", "1", "2", "3"]
