"""Issue 10 item 12: the api-server and the log servers listen on WFO_HOST only, and task logs still show.

Airflow's scheduler and triggerer start log servers on every interface; `wfo up` runs its own log-server
component on the configured address (localhost by default) instead. The UI must still show the log of a
running task (read through that log server) and of a finished one.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

_WAITING_DAG = """
import os, time
from airflow.sdk import dag, task

@dag(dag_id={dag_id!r}, schedule=None, catchup=False)
def waits():
    @task
    def wait_for_release():
        print({marker!r}, flush=True)
        deadline = time.monotonic() + 180
        while not os.path.exists({release!r}) and time.monotonic() < deadline:
            time.sleep(0.2)

    wait_for_release()

waits()
"""


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """The addresses the process and its children listen on (TCP)."""
    root = psutil.Process(pid)
    found = set()
    for proc in [root, *root.children(recursive=True)]:
        for conn in proc.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN:
                found.add((conn.laddr.ip, conn.laddr.port))
    return found


def test_api_server_and_log_servers_listen_on_loopback_only(platform: Platform) -> None:
    state = json.loads((platform.home / "run" / "wfo.json").read_text())
    api = listening_addresses(int(state["components"]["api-server"]))
    logs = listening_addresses(int(state["components"]["log-server"]))
    assert {port for _, port in api} == {platform.port}
    assert {port for _, port in logs} == {platform.port + 1000, platform.port + 2000}
    for ip, port in api | logs:
        assert ipaddress.ip_address(ip).is_loopback, f"listening on {ip}:{port}"
    # The scheduler and the triggerer no longer start their own (all-interfaces) log servers.
    for name in ("scheduler", "triggerer"):
        assert listening_addresses(int(state["components"][name])) == set(), name
    # The triggerer's port is served too: Airflow's log server, which wants the api-server's signed token.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://localhost:{platform.port + 2000}/log/x.log", timeout=10)
    assert refused.value.code == 403


def test_logs_of_running_and_finished_tasks_are_shown(platform: Platform, tmp_path: Path) -> None:
    dag_id = f"wfo_test_log_server_{uuid.uuid4().hex[:6]}"
    marker, release = f"log-line-{uuid.uuid4().hex}", tmp_path / "release"
    code = _WAITING_DAG.format(dag_id=dag_id, marker=marker, release=str(release))
    platform.deploy_dag(f"{dag_id}.py", code)
    run_id = platform.trigger(dag_id)
    served = f"http://localhost:{platform.port + 1000}/log/"
    deadline = time.monotonic() + 180
    log, states = "", []
    while time.monotonic() < deadline:
        state = platform.request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/wait_for_release", token=platform.token()
        ).json().get("state")
        states.append(state)
        if state in ("running", "failed", "success", "up_for_retry"):
            log = platform.task_log(dag_id, run_id, "wait_for_release")
            if state != "running" or (marker in log and served in log):
                break
        time.sleep(1)
    try:
        # While it runs, the UI reads the log through the worker log server (its URL is a listed source).
        assert states[-1] == "running" and marker in log and served in log, (sorted(set(map(str, states))), log[-3000:])
    finally:
        release.write_text("go")
    assert platform.wait_for_run(dag_id, run_id) == "success"
    assert marker in platform.task_log(dag_id, run_id, "wait_for_release")
