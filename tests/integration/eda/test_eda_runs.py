"""EDA runs on the platform: the API starts `wfo_eda` runs, a worker writes the report, the API serves it.

The issue's contract: POST /wfo/api/v1/eda/runs {"source", "kind", "target"} -> 201 {"run_id", "dag_run_id",
"output"}; GET /wfo/api/v1/eda/runs/{run_id} -> {"state", "report_url", "json_url"}.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from urllib.parse import quote

import psycopg2
import pymysql
import pytest

from helpers.eda import eda_runs, wait_for
from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

RUNS = "/eda/runs"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def pg_table(platform: Platform) -> Iterator[str]:
    """A PostgreSQL table on the local server and an Airflow connection to it; both removed afterwards."""
    table = f"eda_{uuid.uuid4().hex[:10]}"
    conn_id = f"eda_pg_{uuid.uuid4().hex[:6]}"
    db = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    db.autocommit = True
    with db.cursor() as cur:
        cur.execute(f"CREATE TABLE public.{table} (id int, size float, colour text, bought boolean)")
        rows = [(i, float(i % 10), ["red", "green", "blue"][i % 3], i % 10 >= 5) for i in range(300)]
        cur.executemany(f"INSERT INTO public.{table} VALUES (%s, %s, %s, %s)", rows)
    connection = {
        "connection_id": conn_id,
        "conn_type": "postgres",
        "host": "127.0.0.1",
        "port": 5432,
        "login": "postgres",
        "schema": "postgres",
    }
    platform.request(
        "POST", "/api/v2/connections", json_body=connection, token=platform.token(), expected=(201,)
    )
    yield f"conn://{conn_id}/public.{table}"
    platform.request("DELETE", f"/api/v2/connections/{conn_id}", token=platform.token())
    with db.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS public.{table}")
    db.close()


@pytest.fixture(scope="module")
def mariadb_table(platform: Platform) -> Iterator[str]:
    """A MariaDB database with one table on the local server, and an Airflow connection (type mysql) to it."""
    database = f"eda_{uuid.uuid4().hex[:10]}"
    conn_id = f"eda_my_{uuid.uuid4().hex[:6]}"
    db = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    with db.cursor() as cur:
        cur.execute(f"CREATE DATABASE {database}")
        cur.execute(f"CREATE TABLE {database}.sales (id INT, region VARCHAR(20), amount DOUBLE, note TEXT)")
        rows = [(i, ["north", "south"][i % 2], i * 1.5, "<b>n</b>" if i == 3 else None) for i in range(50)]
        cur.executemany(f"INSERT INTO {database}.sales VALUES (%s, %s, %s, %s)", rows)
    connection = {
        "connection_id": conn_id,
        "conn_type": "mysql",
        "host": "127.0.0.1",
        "port": 3306,
        "login": "root",
        "schema": database,
    }
    platform.request(
        "POST", "/api/v2/connections", json_body=connection, token=platform.token(), expected=(201,)
    )
    yield f"conn://{conn_id}/sales"
    platform.request("DELETE", f"/api/v2/connections/{conn_id}", token=platform.token())
    with db.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {database}")
    db.close()


def test_runs_on_a_file_and_a_table_write_reports(
    platform: Platform, pg_table: str, mariadb_table: str
) -> None:
    data = platform.home / "eda-data"
    data.mkdir(exist_ok=True)
    name = f"people-{uuid.uuid4().hex[:6]}.csv"
    rows = "".join(f"{i},{20 + i % 50},{'=cmd|calc' if i == 3 else 'x'}\n" for i in range(200))
    (data / name).write_text(f'id,age,"{HOSTILE}"\n{rows}', encoding="utf-8")

    source = f"file://{data / name}"
    saved = platform.api("POST", "/eda/sources", json_body={"source": source}, expected=(201,)).json()
    assert platform.api("POST", "/eda/sources", json_body={"source": source}).status == 409

    # Both runs at once: the workers do them side by side.
    started = [
        platform.api(
            "POST",
            RUNS,
            json_body={"source": f"file://{data / name}", "kind": "preliminary"},
            expected=(201,),
        ).json(),
        platform.api(
            "POST",
            RUNS,
            json_body={"source": pg_table, "kind": "data_importance", "target": "bought"},
            expected=(201,),
        ).json(),
    ]
    started.append(
        platform.api(
            "POST", RUNS, json_body={"source": mariadb_table, "kind": "preliminary"}, expected=(201,)
        ).json()
    )
    for created in started:
        assert created["run_id"] == created["dag_run_id"]
    assert started[0]["output"].startswith("outputs/file_") and name.replace("-", "_") in started[0][
        "output"
    ].replace("-", "_")
    assert "/preliminary/" in started[0]["output"] and started[0]["output"].endswith(
        "/preliminary_report.html"
    )
    assert started[1]["output"].startswith("outputs/conn_eda_pg_")
    assert "/data_importance/" in started[1]["output"]
    assert started[1]["output"].endswith("/table_and_feature_importance.html")

    file_run, table_run, mariadb_run = (wait_for(platform, created["run_id"]) for created in started)
    for run in (file_run, table_run, mariadb_run):
        assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")

    report = platform.request("GET", file_run["report_url"], token=platform.token(), expected=(200,))
    headers = {k.lower(): v for k, v in report.headers.items()}
    assert headers["content-type"].startswith("text/html")
    assert headers["content-security-policy"].startswith("sandbox;")
    page = report.body.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page and "<svg" in page
    assert "=cmd|calc" in page
    twin = platform.request("GET", file_run["json_url"], token=platform.token(), expected=(200,)).json()
    assert list(twin["columns"]) == ["id", "age", HOSTILE]
    assert twin["columns"]["age"]["min"] == 20 and twin["columns"]["age"]["max"] == 69
    assert twin["overview"]["rows"] == 200

    table = platform.request("GET", table_run["json_url"], token=platform.token(), expected=(200,)).json()
    assert table["overview"]["rows"] == 300
    importance = table["importance"]
    assert importance["target"] == "bought" and importance["task"] == "classification"
    # bought is size >= 5: the model finds it.
    assert importance["features"][0]["feature"] == "size"
    page = platform.request(
        "GET", table_run["report_url"], token=platform.token(), expected=(200,)
    ).body.decode()
    assert 'id="feature-table"' in page

    sales = platform.request("GET", mariadb_run["json_url"], token=platform.token(), expected=(200,)).json()
    assert sales["overview"]["rows"] == 50 and list(sales["columns"]) == ["id", "region", "amount", "note"]
    assert sales["columns"]["amount"]["max"] == 73.5 and sales["columns"]["note"]["missing"] == 49

    # The saved source lists its outputs tree; an output is opened and deleted by its key.
    listed = platform.api("GET", "/eda/sources", expected=(200,)).json()["sources"]
    entry = next(s for s in listed if s["id"] == saved["id"])
    [output] = entry["outputs"]
    assert output["kind"] == "preliminary" and output["report"] == started[0]["output"]
    opened = platform.api("GET", f"/eda/outputs/{output['report']}", expected=(200,))
    assert opened.body == report.body
    assert platform.api("GET", "/eda/outputs/outputs/../../airflow.cfg").status == 404
    platform.api("DELETE", f"/eda/outputs/{output['folder']}", expected=(204,))
    assert platform.api("GET", f"/eda/outputs/{output['report']}").status == 404
    assert platform.request("GET", file_run["report_url"], token=platform.token()).status == 404
    platform.api("DELETE", f"/eda/sources/{saved['id']}", expected=(204,))
    listed = platform.api("GET", "/eda/sources", expected=(200,)).json()["sources"]
    assert saved["id"] not in [s["id"] for s in listed]


def test_an_uploaded_file_gets_a_preliminary_report_and_is_not_kept(platform: Platform) -> None:
    name = f"upload {uuid.uuid4().hex[:6]}.csv"
    answer = platform.upload("/wfo/api/v1/eda/uploads", [(name, b"a,b\n1,x\n2,y\n3,y\n")], field="file")
    assert answer.status == 201, answer.body
    created = answer.json()
    assert created["output"].startswith(f"outputs/upload_{name.replace(' ', '_')}/preliminary/")
    run = wait_for(platform, created["run_id"])
    assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")
    twin = platform.request("GET", run["json_url"], token=platform.token(), expected=(200,)).json()
    assert twin["overview"]["rows"] == 3 and twin["columns"]["b"]["top_values"][0] == {
        "value": "y",
        "count": 2,
    }
    # The upload itself is gone from the object store; only the report stays.
    assert not [p for p in (platform.home / "store" / "eda-uploads").rglob("*") if p.is_file()]
    refused = platform.upload("/wfo/api/v1/eda/uploads", [("notes.exe", b"MZ")], field="file")
    assert refused.status == 400 and "CSV, TSV or Excel" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"source": "file:///etc/passwd.csv"}, 400, "data folders"),
        ({"source": "http://example.com/data.csv"}, 400, "conn://, dataset://, webhdfs://, hdfs:// or s3://"),
        ({"source": "dataset://no-such-dataset"}, 400, "No dataset 'no-such-dataset'"),
        ({"source": "conn://pg/users; drop table x"}, 400, "conn://"),
        ({"source": "store://../secrets.csv"}, 400, "store://"),
        ({"source": "store://data.csv", "kind": "data_importance"}, 400, "target"),
        ({"source": "store://data.csv", "kind": "everything"}, 422, None),
        ({"source": "store://data.csv", "engine": "dask"}, 422, None),
        (
            {"source": "store://data.csv", "kind": "data_importance", "target": "a", "engine": "spark"},
            400,
            "polars",
        ),
        (
            {"source": "store://data.csv", "engine": "spark", "config_group": "no-such-group"},
            400,
            "config_group",
        ),
    ],
)
def test_bad_requests_are_refused_and_start_nothing(
    platform: Platform, body: dict[str, str], status: int, message: str | None
) -> None:
    before = eda_runs(platform)
    answer = platform.api("POST", RUNS, json_body=body)
    assert answer.status == status, answer.body
    if message:
        assert message in answer.json()["detail"]
    assert eda_runs(platform) == before


def test_a_run_on_the_spark_engine(platform: Platform) -> None:
    """engine "spark": the default config group's Spark (local master here) computes the L0 report."""
    data = platform.home / "eda-data"
    data.mkdir(exist_ok=True)
    name = f"spark-{uuid.uuid4().hex[:6]}.csv"
    rows = "".join(f"{i},{i % 7},{['a', 'b', 'c'][i % 3]}\n" for i in range(60))
    (data / name).write_text(f'id,n,"{HOSTILE}"\n{rows}', encoding="utf-8")
    created = platform.api(
        "POST", RUNS, json_body={"source": f"file://{data / name}", "engine": "spark"}, expected=(201,)
    ).json()
    run = wait_for(platform, created["run_id"], timeout=420.0)
    assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")
    twin = platform.request("GET", run["json_url"], token=platform.token(), expected=(200,)).json()
    assert twin["engine"].startswith("spark ") and twin["overview"]["rows"] == 60
    assert list(twin["columns"]) == ["id", "n", HOSTILE]
    assert (twin["columns"]["n"]["min"], twin["columns"]["n"]["max"]) == (0, 6)
    assert twin["columns"][HOSTILE]["top_values"][0]["count"] == 20
    page = platform.request("GET", run["report_url"], token=platform.token(), expected=(200,)).body.decode()
    assert twin["engine"] in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page


def test_unknown_run_is_404(platform: Platform) -> None:
    assert platform.api("GET", f"{RUNS}/eda__nope").status == 404
    assert platform.api("GET", f"{RUNS}/eda__nope/report").status == 404
    # Only wfo_eda's runs are EDA runs.
    assert platform.api("GET", f"{RUNS}/manual__2026-01-01").status == 404


def test_a_dataset_of_the_repository_is_analysed_by_name(platform: Platform) -> None:
    name = f"eda-ds-{uuid.uuid4().hex[:6]}"
    for content in (b"x,y\n1,a\n", b"city,temp\nOslo,3\nRome,18\nLima,19\n"):  # two versions
        answer = platform.upload(
            "/wfo/api/v1/models",
            [("weather.csv", content)],
            field="file",
            fields={"kind": "dataset", "name": name},
        )
        assert answer.status == 201, answer.body
    model = f"eda-model-{uuid.uuid4().hex[:6]}"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("weights.bin", b"\0" * 8)
    answer = platform.upload(
        "/wfo/api/v1/models",
        [("m.zip", archive.getvalue())],
        field="file",
        fields={"kind": "other", "name": model},
    )
    assert answer.status == 201, answer.body

    latest = platform.api("POST", RUNS, json_body={"source": name}, expected=(201,)).json()
    first = platform.api("POST", RUNS, json_body={"source": f"dataset://{name}@1"}, expected=(201,)).json()
    assert latest["output"].startswith(f"outputs/dataset_{name}/preliminary/")
    refused = platform.api("POST", RUNS, json_body={"source": f"dataset://{model}"})
    assert (
        refused.status == 400
        and "is a model (other) of the models-and-datasets repository, not a dataset"
        in (refused.json()["detail"])
    )
    assert platform.api("POST", "/eda/sources", json_body={"source": model}).status == 400
    saved = platform.api("POST", "/eda/sources", json_body={"source": name}, expected=(201,)).json()
    assert saved["source"] == f"dataset://{name}"
    platform.api("DELETE", f"/eda/sources/{saved['id']}", expected=(204,))
    runs = [wait_for(platform, created["run_id"]) for created in (latest, first)]
    for run in runs:
        assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")
    twins = [
        platform.request("GET", r["json_url"], token=platform.token(), expected=(200,)).json() for r in runs
    ]
    assert list(twins[0]["columns"]) == ["city", "temp"] and twins[0]["overview"]["rows"] == 3
    assert twins[0]["columns"]["temp"]["max"] == 19
    assert list(twins[1]["columns"]) == ["x", "y"] and twins[1]["overview"]["rows"] == 1
    page = platform.request(
        "GET", runs[0]["report_url"], token=platform.token(), expected=(200,)
    ).body.decode()
    assert "city" in page and "temp" in page
    for entry in (name, model):
        platform.api("DELETE", f"/models/{entry}", expected=(200, 204))


def _query(conn_id: str, sql: str, limit: int | None = None) -> str:
    return f"conn://{conn_id}?query={quote(sql)}" + (f"&limit={limit}" if limit else "")


def test_a_query_source_only_reads(platform: Platform, pg_table: str, mariadb_table: str) -> None:
    pg_conn, table = pg_table.removeprefix("conn://").split("/", 1)
    my_conn = mariadb_table.removeprefix("conn://").split("/", 1)[0]
    # Refused by the parser before a run starts: each names what it refuses.
    for sql, reason in [
        (f"INSERT INTO {table} VALUES (1)", "not INSERT"),
        (f"SELECT 1; DROP TABLE {table}", "single statement"),
        (f"WITH gone AS (DELETE FROM {table} RETURNING *) SELECT * FROM gone", "contains DELETE"),
        (f"SELECT * INTO copy_of FROM {table}", "SELECT ... INTO"),
        (f"SELECT * FROM {table} FOR UPDATE", "locking clause"),
        ("SELECT pg_terminate_backend(1)", "pg_terminate_backend"),
    ]:
        answer = platform.api("POST", RUNS, json_body={"source": _query(pg_conn, sql)})
        assert answer.status == 400 and reason in answer.json()["detail"], (sql, answer.body)

    # A function that writes passes the parser (it is a SELECT): the read-only transaction refuses it.
    pg = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    pg.autocommit = True
    my_db = platform.request(
        "GET", f"/api/v2/connections/{my_conn}", token=platform.token(), expected=(200,)
    ).json()["schema"]
    function = f"eda_write_{uuid.uuid4().hex[:6]}"
    my = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    try:
        with pg.cursor() as cur:
            cur.execute(
                f"CREATE FUNCTION public.{function}() RETURNS int LANGUAGE sql AS "
                f"'INSERT INTO {table} (id) VALUES (-1) RETURNING 1'"
            )
        with my.cursor() as cur:
            cur.execute(
                f"CREATE FUNCTION {my_db}.{function}() RETURNS INT MODIFIES SQL DATA "
                f"BEGIN INSERT INTO {my_db}.sales (id) VALUES (-1); RETURN 1; END"
            )
        started = [
            platform.api(
                "POST",
                RUNS,
                json_body={"source": _query(pg_conn, f"SELECT id, colour FROM {table} ORDER BY id", limit=7)},
                expected=(201,),
            ).json(),
            platform.api(
                "POST",
                RUNS,
                json_body={"source": _query(pg_conn, f"SELECT public.{function}()")},
                expected=(201,),
            ).json(),
            platform.api(
                "POST",
                RUNS,
                json_body={"source": _query(my_conn, f"SELECT {function}() AS x")},
                expected=(201,),
            ).json(),
        ]
        assert started[0]["output"].startswith(f"outputs/conn_{pg_conn}_query_")
        reads, pg_write, my_write = (wait_for(platform, created["run_id"]) for created in started)
        assert reads["state"] == "success", platform.task_log("wfo_eda", reads["run_id"], "analyse")
        twin = platform.request("GET", reads["json_url"], token=platform.token(), expected=(200,)).json()
        assert list(twin["columns"]) == ["id", "colour"] and twin["overview"]["rows"] == 7
        assert twin["columns"]["id"]["max"] == 6
        for run in (pg_write, my_write):
            assert run["state"] == "failed"
            assert "read-only transaction" in platform.task_log("wfo_eda", run["run_id"], "analyse").replace(
                "READ ONLY transaction", "read-only transaction"
            )
        with pg.cursor() as cur:
            cur.execute(f"SELECT count(*), min(id) FROM {table}")
            assert cur.fetchone() == (300, 0)
        with my.cursor() as cur:
            cur.execute(f"SELECT count(*), min(id) FROM {my_db}.sales")
            assert cur.fetchone() == (50, 0)
    finally:
        with pg.cursor() as cur:
            cur.execute(f"DROP FUNCTION IF EXISTS public.{function}()")
        with my.cursor() as cur:
            cur.execute(f"DROP FUNCTION IF EXISTS {my_db}.{function}")
        pg.close()
        my.close()
