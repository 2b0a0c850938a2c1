"""An `s3://` source on the platform: an Airflow connection (made through Airflow's REST API) holds the keys
and endpoint of the S3 double (moto's S3 server with IAM authentication), the `wfo_eda` run's worker copies
the object with them; bad sources are refused at the API and start nothing."""

from __future__ import annotations

import uuid

import pytest

from helpers.eda import RUNS, eda_runs, wait_for
from helpers.platform_runner import Platform
from helpers.s3_double import s3_double

pytestmark = pytest.mark.integration

CSV = "city,visitors,open\nOslo,120,true\nLyon,95,false\nKyiv,,true\nPorto,60,true\n"


def test_an_s3_object_is_read_with_the_connections_keys(platform: Platform) -> None:
    bucket = f"eda-{uuid.uuid4().hex[:8]}"
    conn_id, wrong_id = (f"eda_s3_{uuid.uuid4().hex[:6]}" for _ in range(2))
    with s3_double() as double:
        double.client().create_bucket(Bucket=bucket)
        double.client().put_object(Bucket=bucket, Key="in/visits.csv", Body=CSV.encode())
        for connection in (
            double.connection(connection_id=conn_id),
            double.connection(connection_id=wrong_id, password="not-the-secret"),
        ):
            platform.request(
                "POST", "/api/v2/connections", json_body=connection, token=platform.token(), expected=(201,)
            )
        try:
            created, denied = (
                platform.api(
                    "POST", RUNS, json_body={"source": text, "kind": "preliminary"}, expected=(201,)
                ).json()
                for text in (
                    f"s3://{bucket}/in/visits.csv?conn={conn_id}",
                    f"s3://{bucket}/in/visits.csv?conn={wrong_id}",
                )
            )
            assert created["output"].startswith(
                f"outputs/s3_{bucket}_in_visits.csv_conn_{conn_id}/preliminary/"
            )
            run, failed = wait_for(platform, created["run_id"]), wait_for(platform, denied["run_id"])
        finally:
            for conn in (conn_id, wrong_id):
                platform.request("DELETE", f"/api/v2/connections/{conn}", token=platform.token())
    assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")
    twin = platform.request("GET", run["json_url"], token=platform.token(), expected=(200,)).json()
    assert list(twin["columns"]) == ["city", "visitors", "open"] and twin["overview"]["rows"] == 4
    assert twin["columns"]["visitors"]["missing"] == 1 and twin["columns"]["visitors"]["max"] == 120
    assert twin["columns"]["city"]["distinct"] == 4
    page = platform.request("GET", run["report_url"], token=platform.token(), expected=(200,)).body.decode()
    assert all(name in page for name in ("city", "visitors", "open"))
    assert ("GET", f"/{bucket}/in/visits.csv") in double.requests
    # A wrong secret fails its run with one line saying so.
    assert failed["state"] == "failed"
    log = platform.task_log("wfo_eda", failed["run_id"], "analyse")
    assert f"s3://{bucket}/in/visits.csv?conn={wrong_id}: access denied (" in log
    assert f"check the access key and secret of connection {wrong_id!r}" in log


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("s3://Bad_Bucket/x.csv", "not a valid S3 bucket name"),
        ("s3://eda-data/in/../../secret.csv", "may not contain '..'"),
        ("s3://eda-data/in/x.parquet", "names a CSV, TSV or Excel object"),
    ],
)
def test_a_bad_s3_source_is_refused_and_starts_nothing(platform: Platform, source: str, message: str) -> None:
    before = eda_runs(platform)
    answer = platform.api("POST", RUNS, json_body={"source": source, "kind": "preliminary"})
    assert answer.status == 400, answer.body
    assert message in answer.json()["detail"]
    assert eda_runs(platform) == before
