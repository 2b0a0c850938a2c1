"""The notebook hub on the session platform: single sign-on from wfo into JupyterLab, kernels, isolation.

The issue's contract, checked as stated: POST /wfo/api/v1/notebooks/login (Developer/Admin) -> 200
{"url": ...}; a GET of that URL with a fresh HTTP client (following redirects, keeping cookies) ends on the
user's JupyterLab with no password asked; the same URL a second time is refused; Viewer, User, Op: 403;
with that client GET <hub>/user/<name>/api/kernelspecs lists a "PySpark" kernel and the sparkmagic kernels.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from helpers.platform_runner import WFO, Platform, role_password

pytestmark = pytest.mark.integration

LOGIN = "/wfo/api/v1/notebooks/login"


def hub_url(platform: Platform) -> str:
    return f"http://localhost:{platform.port + 3000}"


def ticket_url(platform: Platform, username: str) -> str:
    password = platform.admin_password if username == "admin" else role_password(username)
    token = platform.token(username, password)
    resp = platform.request("POST", LOGIN, token=token, expected=(200,))
    url: str = resp.json()["url"]
    return url


def logged_in_client(platform: Platform, username: str) -> httpx.Client:
    client = httpx.Client(follow_redirects=True, timeout=120)
    landed = client.get(ticket_url(platform, username))
    assert landed.status_code == 200, (landed.status_code, landed.text[:500])
    assert landed.url.path == f"/user/{username}/lab", landed.url
    return client


@pytest.fixture(scope="module")
def admin_lab(platform: Platform) -> Iterator[httpx.Client]:
    """Admin's hub session (their server started by the login itself)."""
    client = logged_in_client(platform, "admin")
    yield client
    client.close()


def audit_events(platform: Platform, action: str) -> list[dict]:
    events: list[dict] = platform.api("GET", f"/audit/events?action={action}&limit=50").json()["events"]
    return events


def test_wfo_status_lists_the_hub_with_its_url(platform: Platform) -> None:
    done = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    hub = next(c for c in json.loads(done.stdout)["components"] if c["name"] == "jupyterhub")
    assert hub["state"] == "running" and hub["url"] == hub_url(platform)


def test_the_ticket_url_opens_jupyterlab_once(platform: Platform, admin_lab: httpx.Client) -> None:
    url = ticket_url(platform, "admin")
    assert url.startswith(f"{hub_url(platform)}/hub/")
    with httpx.Client(follow_redirects=True, timeout=120) as fresh:
        first = fresh.get(url)
        assert first.status_code == 200 and first.url.path == "/user/admin/lab"
        assert "JupyterLab" in first.text and "password" not in first.text.lower()
    with httpx.Client(follow_redirects=True, timeout=30) as other:
        again = other.get(url)
        assert again.status_code == 403
        # Refused means no session: the user's server is not reachable with that client.
        assert other.get(f"{hub_url(platform)}/user/admin/api/kernelspecs").status_code != 200
    denied = [e for e in audit_events(platform, "notebook_hub.login") if e["outcome"] == "denied"]
    assert any(e["details"] and "already used" in e["details"].get("reason", "") for e in denied)


def test_kernelspecs_list_pyspark_and_sparkmagic(platform: Platform, admin_lab: httpx.Client) -> None:
    specs = admin_lab.get(f"{hub_url(platform)}/user/admin/api/kernelspecs")
    assert specs.status_code == 200
    names = {v["spec"]["display_name"] for v in specs.json()["kernelspecs"].values()}
    assert "PySpark (default)" in names
    assert {"PySpark (Livy, default)", "Spark (Livy, default)"} <= names
    # Livy passwords are never in a kernel spec the notebook can list.
    assert "password" not in specs.text.lower()


@pytest.mark.parametrize("username", ["viewer_user", "plain_user", "op_user"])
def test_other_roles_get_no_ticket(platform: Platform, username: str) -> None:
    token = platform.token(username, role_password(username))
    assert platform.request("POST", LOGIN, token=token).status == 403


def test_the_hub_refuses_a_ticket_for_a_role_without_notebooks(platform: Platform) -> None:
    """A valid ticket (signed with the instance's secret) for a Viewer: the hub checks the role itself."""
    from wfo.hub import tickets

    ticket = tickets.issue(platform.home, "viewer_user")
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        assert client.get(f"{hub_url(platform)}/hub/wfo-login", params={"ticket": ticket}).status_code == 403
    denied = [e for e in audit_events(platform, "notebook_hub.login") if e["user"] == "viewer_user"]
    assert denied and denied[0]["outcome"] == "denied"


def test_a_forged_ticket_is_refused_and_audited(platform: Platform) -> None:
    from wfo.hub import tickets

    payload, _ = tickets.issue(platform.home, "admin").split(".")
    forged = f"{payload}.{'A' * 43}"
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        assert client.get(f"{hub_url(platform)}/hub/wfo-login", params={"ticket": forged}).status_code == 403
    reasons = [(e["details"] or {}).get("reason", "") for e in audit_events(platform, "notebook_hub.login")]
    assert any("signature" in reason for reason in reasons)


def test_a_user_cannot_reach_another_users_server(platform: Platform, admin_lab: httpx.Client) -> None:
    dev = logged_in_client(platform, "dev_user")
    try:
        own = dev.get(f"{hub_url(platform)}/user/dev_user/api/kernelspecs")
        assert own.status_code == 200
        other = dev.get(f"{hub_url(platform)}/user/admin/api/kernelspecs")
        assert other.status_code == 403, (other.status_code, other.url)
        # and the hub's API does not show admin's server to dev_user
        hub_api = dev.get(f"{hub_url(platform)}/hub/api/users/admin")
        assert hub_api.status_code in (403, 404)
    finally:
        dev.close()
    started = [e for e in audit_events(platform, "notebook_server.start") if e["user"] == "dev_user"]
    assert started


def test_own_folder_holds_the_common_workspace(platform: Platform, admin_lab: httpx.Client) -> None:
    notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = f"{hub_url(platform)}/user/admin/api/contents/common_workspace/hub_saved.ipynb"
    xsrf = admin_lab.cookies.get("_xsrf", path="/user/admin/") or ""
    saved = admin_lab.put(path, json={"type": "notebook", "content": notebook}, headers={"X-XSRFToken": xsrf})
    assert saved.status_code in (200, 201), saved.text
    # The same file CoutureJupyterOperator reads: the object store's common_workspace.
    stored = platform.home / "store" / "notebooks" / "common_workspace" / "hub_saved.ipynb"
    assert json.loads(stored.read_text())["nbformat"] == 4


def test_the_pyspark_kernel_computes_with_spark(platform: Platform, admin_lab: httpx.Client) -> None:
    """The kernel spec the hub wrote for admin, started as JupyterLab starts it (jupyter_client)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = platform.home / "notebooks" / "kernels" / "admin" / "kernels"
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    manager = KernelManager(kernel_name="wfo-pyspark", kernel_spec_manager=specs)
    env = platform.env(AIRFLOW_HOME=str(platform.home), AIRFLOW_CONFIG=str(platform.home / "airflow.cfg"))
    started = time.monotonic()
    manager.start_kernel(env=env)
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=180)
        reply = client.execute_interactive("spark.range(10).count()", timeout=240)
        assert reply["content"]["status"] == "ok", reply["content"]
        outputs: list[str] = []
        reply = client.execute_interactive(
            "print(spark.range(10).count(), spark.conf.get('spark.sql.shuffle.partitions'))",
            timeout=120,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
        )
        # 2: the default group's conf (tests/conftest.py sets it), so the session came from the group.
        assert "".join(outputs).split() == ["10", "2"]
        print(f"PySpark kernel: first Spark result after {time.monotonic() - started:.1f} s")
    finally:
        manager.shutdown_kernel(now=True)
