"""`wfo up` as a newcomer sees it (issue 12): progress while it starts, a clear "ready at" line, a later start
that skips the work already done, and an Airflow command without a deprecation line.

Timings are recorded (bench/startup/ measures them); the bound here only catches a hang on a shared machine.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from helpers.platform_runner import VENV_BIN, Platform, free_port

pytestmark = pytest.mark.integration

GENEROUS_SECONDS = 480.0  # catches a hang only: a 2-core machine shared by several test sessions


def _phases(home: Path) -> dict[str, dict[str, object]]:
    timings = json.loads((home / "run" / "startup.json").read_text())
    return {phase["phase"]: phase for phase in timings["phases"]}


def test_first_and_later_start_show_progress_and_skip_done_work(tmp_path: Path) -> None:
    platform = Platform(tmp_path / "home", free_port(), f"pw-{secrets.token_hex(6)}-A1")
    started = time.monotonic()
    platform.start(timeout=GENEROUS_SECONDS)
    first_seconds = time.monotonic() - started
    try:
        out = platform.output()
        # Which component is starting and which is ready, then one line with the URL to open.
        for line in (
            "first start: creating the instance",
            "init: migrate done in",
            "init: roles and admin user done in",
            "ready: api-server",
            "ready: scheduler",
            "ready: dag-processor",
            "ready: triggerer",
            "ready: log-server",
            "ready: dag-validator",
            f"wfo is up: ready at  http://localhost:{platform.port}",
            "WFO_HOST=0.0.0.0",
        ):
            assert line in out, f"{line!r} not in the console output:\n{out}"
        first = _phases(platform.home)
        assert first["init: migrate"].get("cpu_seconds") is not None
        assert "UI ready" in first and first_seconds < GENEROUS_SECONDS
    finally:
        assert platform.stop() == 0

    platform.output_path.unlink()  # type: ignore[union-attr]
    platform.start(timeout=GENEROUS_SECONDS)
    try:
        out = platform.output()
        assert "first start" not in out
        # Nothing changed since the first start: no migration, no role sync.
        assert "init: migrate done in" in out and "(skipped: the database is at its head revisions)" in out
        assert "(skipped: roles and users unchanged since the last sync)" in out
        assert platform.request("GET", "/api/v2/monitor/health").status == 200
        # The admin made on the first start can still log in: the skipped sync changed nothing.
        assert platform.token()
    finally:
        assert platform.stop() == 0


def test_an_airflow_command_prints_no_deprecation_line(platform: Platform) -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "wfo"), "airflow", "roles", "list"],
        env={**platform.env(), "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert proc.stdout.splitlines()[0].startswith("name"), proc.stdout
    assert "Admin" in proc.stdout
    assert "deprecated" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_login_redirects_keep_the_host_the_user_came_with(platform: Platform) -> None:
    """Opened by IP (127.0.0.1 here, the instance's URL says localhost): the login page and the page after
    login stay on that host, so a deep link survives the login (issue 12)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", platform.port, timeout=30)
    try:
        conn.request(
            "GET",
            "/api/v2/auth/login?next=/dags/ExampleSparkPi",
            headers={"Host": f"127.0.0.1:{platform.port}"},
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status in (302, 303, 307), response.status
    location = response.getheader("Location") or ""
    assert location.startswith("/auth/login/"), location  # relative: the browser keeps 127.0.0.1
    assert "next=%2Fdags%2FExampleSparkPi" in location
