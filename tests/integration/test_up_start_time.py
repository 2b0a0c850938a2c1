"""`wfo up` as a newcomer sees it (issue 12): an Airflow command without a deprecation line, and a login that
keeps the host the user came with. The start's progress lines and the later start that skips done work are
checked on the second instance of test_up_lifecycle.py (one platform start fewer).
"""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers.platform_runner import VENV_BIN, Platform

pytestmark = pytest.mark.integration


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
