"""A `webhdfs://` source on the platform: an Airflow connection (made through Airflow's REST API) points at the
WebHDFS double, the `wfo_eda` run's worker reads the file through it as the connection's user."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from helpers.eda import wait_for
from helpers.platform_runner import Platform
from helpers.webhdfs_double import webhdfs_double

pytestmark = pytest.mark.integration

RUNS = "/eda/runs"


CSV = "city,visitors,open\nOslo,120,true\nLyon,95,false\nKyiv,,true\nPorto,60,true\n"


def test_a_webhdfs_file_is_read_with_the_connections_user(platform: Platform, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text(CSV)
    conn_id = f"eda_hdfs_{uuid.uuid4().hex[:6]}"
    user = f"analyst_{uuid.uuid4().hex[:4]}"
    with webhdfs_double(tmp_path) as double:
        connection = {
            "connection_id": conn_id,
            "conn_type": "webhdfs",
            "host": double.host,
            "port": double.port,
            "login": user,
        }
        platform.request(
            "POST", "/api/v2/connections", json_body=connection, token=platform.token(), expected=(201,)
        )
        try:
            source = f"webhdfs://{conn_id}/data/x.csv"
            created, missing = (
                platform.api(
                    "POST", RUNS, json_body={"source": text, "kind": "preliminary"}, expected=(201,)
                ).json()
                for text in (source, f"hdfs://{conn_id}/data/nope.csv")
            )
            assert created["output"].startswith(f"outputs/webhdfs_{conn_id}_data_x.csv/preliminary/")
            run, failed = wait_for(platform, created["run_id"]), wait_for(platform, missing["run_id"])
        finally:
            platform.request("DELETE", f"/api/v2/connections/{conn_id}", token=platform.token())
    assert run["state"] == "success", platform.task_log("wfo_eda", run["run_id"], "analyse")
    twin = platform.request("GET", run["json_url"], token=platform.token(), expected=(200,)).json()
    assert list(twin["columns"]) == ["city", "visitors", "open"] and twin["overview"]["rows"] == 4
    assert twin["columns"]["visitors"]["missing"] == 1 and twin["columns"]["visitors"]["max"] == 120
    page = platform.request("GET", run["report_url"], token=platform.token(), expected=(200,)).body.decode()
    assert all(name in page for name in ("city", "visitors", "open"))
    assert double.users and set(double.users) == {user}
    assert ("GETFILESTATUS", "/data/x.csv") in double.requests
    assert ("datanode:OPEN", "/data/x.csv") in double.requests
    # A missing file fails its run with one line saying so.
    assert failed["state"] == "failed"
    log = platform.task_log("wfo_eda", failed["run_id"], "analyse")
    assert (
        f"hdfs://{conn_id}/data/nope.csv: no such file in HDFS (File does not exist: /data/nope.csv)" in log
    )
