"""Production settings are the same program: `wfo up` on the local PostgreSQL server."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from helpers.platform_runner import Platform, env_dump_dag, free_port

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def database() -> Iterator[str]:
    name = f"wfo_platform_{secrets.token_hex(4)}"
    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_platform_runs_on_postgresql(tmp_path: Path, database: str) -> None:
    pg = Platform(home=tmp_path / "pg", port=free_port(), admin_password=secrets.token_urlsafe(12))
    pg.home.mkdir(parents=True)
    (pg.home / "dags").mkdir()
    out = tmp_path / "env.json"
    (pg.home / "dags" / "wfo_pg_probe.py").write_text(env_dump_dag("wfo_pg_probe", out))
    pg.start(WFO_DATABASE_URL=database)
    try:
        assert (
            pg.airflow_cli("config", "get-value", "database", "sql_alchemy_conn").stdout.strip() == database
        )
        url = "https://bi.example.com/on-postgres"
        pg.api("PUT", "/visualisations", json_body={"url": url}, expected=(200,))
        pg.airflow_cli("dags", "reserialize", "--bundle-name", "dags-folder")
        assert pg.trigger_and_wait("wfo_pg_probe") == "success"
    finally:
        assert pg.stop() == 0

    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT username, action, object_id, outcome FROM wfo_audit_event")
        assert ("admin", "visualisations.update", url, "success") in cur.fetchall()
        cur.execute("SELECT value FROM wfo_setting WHERE key = 'visualisations.dashboard_url'")
        assert json.loads(cur.fetchone()[0]) == url
        cur.execute("SELECT count(*) FROM ab_user")
        assert cur.fetchone()[0] == 1
    env = json.loads(out.read_text())
    assert not [k for k, v in env.items() if database in v], "the task saw the PostgreSQL URL"
