"""The Spark UI's paths under wfo's prefix, its redirects, and the sessions read from its Connect tab."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.settings import Settings
from wfo.sparkconnect.ui import (
    BadUiPath,
    local_location,
    open_page,
    open_sessions,
    parse_sessions,
    server_confs,
    upstream_path,
)

SETTINGS = Settings(home=Path("/nonexistent"), port=18080)

# The session table of Spark 4.x's Connect tab (/connect/), as the server renders it (trimmed): one open
# session, one closed; the "sessionstat" span before the table has the same id.
CONNECT_TAB = """
<span id="sessionstat" class="collapse-table"><h4><a>Session Statistics (2)</a></h4></span>
<table class="table" id="sessionstat"><thead><tr>
  <th><a href="/wfo/spark-ui/connect/?&amp;sessionstat.sort=User"><span title="">User</span></a></th>
  <th><a><span>Session ID</span></a></th>
  <th><a><span>Start Time&nbsp;&#x25BE;</span></a></th>
  <th><a><span>Finish Time</span></a></th>
  <th><a><span title="Elapsed time since session start">Duration</span></a></th>
  <th><a><span>Total Execute</span></a></th>
</tr></thead><tbody>
<tr><td> dag_a:task.b </td>
  <td> <a href="/wfo/spark-ui/connect/session/?id=1111&amp;userId=ZGFn"> 11111111-2222-3333-4444-555555555555 </a> </td>
  <td> 2026/12/03 10:38:25 </td><td>  </td><td> 11 seconds 110 ms </td><td> 0 </td></tr>
<tr><td> notebook:alice </td>
  <td> <a href="/wfo/spark-ui/connect/session/?id=9d8e"> 9d8ee945-89cf-4598-b3cf-f8ff37c0516c </a> </td>
  <td> 2026/12/03 10:37:58 </td><td> 2026/12/03 10:39:01 </td><td> 1 minute 3 seconds </td><td> 2 </td></tr>
</tbody></table>
<table class="table" id="sqlstat"><thead><tr><th>User</th><th>Job ID</th></tr></thead>
<tbody><tr><td>dag_a:task.b</td><td>3</td></tr></tbody></table>
"""


def test_open_sessions_are_read_from_the_connect_tab_and_closed_ones_left_out() -> None:
    assert parse_sessions(CONNECT_TAB) == [
        {"id": "11111111-2222-3333-4444-555555555555", "user": "dag_a:task.b", "started": "2026/12/03 10:38:25"}
    ]


def test_a_page_without_the_session_table_has_no_sessions() -> None:
    assert parse_sessions("<html><body><h4>Spark Connect</h4></body></html>") == []


@pytest.mark.parametrize(
    "path", ["..", "../api/v1/me", "jobs/../../x", "./jobs", "jobs/.", "jobs\\..\\x", "jobs/\x00", "a/\nb"]
)
def test_paths_that_would_leave_the_spark_ui_are_refused(path: str) -> None:
    with pytest.raises(BadUiPath, match="not a Spark UI page"):
        upstream_path(path)


def test_pages_and_their_queries_keep_their_path() -> None:
    assert upstream_path("") == "/"
    assert upstream_path("jobs/") == "/jobs/"
    assert upstream_path("stages/stage/") == "/stages/stage/"
    assert upstream_path("static/spark logo.svg") == "/static/spark%20logo.svg"
    assert upstream_path("//evil.example/x") == "/evil.example/x"  # a path on the UI, never another host


def test_spark_redirects_to_its_loopback_address_stay_under_the_prefix() -> None:
    ui = f"http://127.0.0.1:{SETTINGS.spark_ui_port}"
    assert local_location(f"{ui}/jobs/", SETTINGS) == "/wfo/spark-ui/jobs/"
    assert local_location(f"{ui}/wfo/spark-ui/jobs/job/?id=1", SETTINGS) == "/wfo/spark-ui/jobs/job/?id=1"
    assert local_location("/stages/", SETTINGS) == "/wfo/spark-ui/stages/"
    assert local_location("stages/", SETTINGS) == "/wfo/spark-ui/stages/"
    assert local_location("https://elsewhere.example/x", SETTINGS) == "/wfo/spark-ui/"


def test_the_server_ui_is_on_its_own_port_under_the_prefix_without_kill_links() -> None:
    confs = server_confs(SETTINGS)
    assert confs["spark.ui.port"] == "23081" and confs["spark.ui.proxyBase"] == "/wfo/spark-ui"
    assert confs["spark.ui.killEnabled"] == "false" and confs["spark.ui.enabled"] == "true"


def test_behind_a_proxy_under_a_sub_path_the_ui_stays_under_it() -> None:
    settings = Settings(home=Path("/nonexistent"), port=18080, public_url="https://wfo.example.com/airflow/")
    assert server_confs(settings)["spark.ui.proxyBase"] == "/airflow/wfo/spark-ui"
    ui = f"http://127.0.0.1:{settings.spark_ui_port}"
    assert local_location(f"{ui}/jobs/", settings) == "/airflow/wfo/spark-ui/jobs/"


class _StandIn(http.server.BaseHTTPRequestHandler):
    """Plays the Spark UI on loopback: the Connect tab, a redirect to its own address, and what it was sent."""

    def do_GET(self) -> None:
        if self.path.startswith("/connect/"):
            self._answer(200, CONNECT_TAB.encode())
        elif self.path == "/":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/jobs/")
            self.send_header("Set-Cookie", "spark=1")
            self.end_headers()
        else:
            self._answer(200, json.dumps({"path": self.path, "headers": dict(self.headers)}).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "spark=1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A stand-in UI at the Spark UI port of the returned settings; the environment names a dead proxy."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield Settings(home=tmp_path, port=server.server_port - 5001)
    server.shutdown()
    server.server_close()


def test_sessions_are_read_from_the_loopback_ui_never_through_a_proxy(stand_in: Settings) -> None:
    assert [s["user"] for s in open_sessions(stand_in)] == ["dag_a:task.b"]


def test_pages_are_relayed_without_the_callers_credentials_and_redirects_stay_under_the_prefix(
    stand_in: Settings,
) -> None:
    async def fetch(path: str, query: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {"accept": "text/html", "cookie": "_token=secret", "authorization": "Bearer secret"}
        page = await open_page(stand_in, "GET", path, query, headers)
        try:
            return page.status, page.headers, b"".join([chunk async for chunk in page.body])
        finally:
            await page.close()

    status, headers, body = asyncio.run(fetch("stages/stage/", b"id=3&attempt=0"))
    sent = json.loads(body)
    assert status == 200 and sent["path"] == "/stages/stage/?id=3&attempt=0"
    assert {k.lower(): v for k, v in sent["headers"].items()}["accept"] == "text/html"
    assert "secret" not in json.dumps(sent["headers"])
    assert "set-cookie" not in headers and headers["x-content-type-options"] == "nosniff"
    status, headers, _ = asyncio.run(fetch("", b""))
    assert status == 302 and headers["location"] == "/wfo/spark-ui/jobs/"
