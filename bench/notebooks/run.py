"""Notebook hub benchmark: click -> usable JupyterLab (cold and warm spawn), memory, PySpark first result.

Runs against a running instance (`wfo up`), as a Developer/Admin user:

    .venv/bin/python bench/notebooks/run.py --home ~/.wfo --port 8080 --user admin --password ... [--rounds 3]

* cold: the user's server is stopped first (hub API, as the idle culler does), then POST /notebooks/login and
  a fresh HTTP client follows the ticket URL until JupyterLab answers 200 (what the click costs);
* warm: the same with the server running;
* memory: RSS of the hub, the proxy, the idle culler and one idle single-user server (psutil, MiB);
* PySpark: start the user's "PySpark (<group>)" kernel (jupyter_client) and time `spark.range(10).count()`.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
import psutil


def login_url(base: str, token: str) -> str:
    resp = httpx.post(f"{base}/wfo/api/v1/notebooks/login", headers={"Authorization": f"Bearer {token}"})
    resp.raise_for_status()
    return str(resp.json()["url"])


def click(base: str, token: str) -> tuple[float, httpx.Client]:
    started = time.monotonic()
    client = httpx.Client(follow_redirects=True, timeout=120)
    landed = client.get(login_url(base, token))
    took = time.monotonic() - started
    assert landed.status_code == 200 and "/lab" in landed.url.path, (landed.status_code, landed.url)
    return took, client


def stop_server(hub: str, client: httpx.Client, user: str) -> None:
    xsrf = client.cookies.get("_xsrf", path="/hub/") or ""
    client.delete(
        f"{hub}/hub/api/users/{user}/server", headers={"X-XSRFToken": xsrf, "Referer": f"{hub}/hub/home"}
    )
    for _ in range(120):
        model = client.get(f"{hub}/hub/api/users/{user}", headers={"Referer": f"{hub}/hub/home"})
        if model.status_code == 200 and not model.json().get("servers"):
            return
        time.sleep(0.25)


def hub_processes(home: str) -> dict[str, float]:
    """RSS (MiB) of the instance's hub, and of what it started: the proxy, the idle culler, user servers."""
    hubs = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if "jupyterhub -f" in cmd and (proc.info["environ"] or {}).get("WFO_HOME") == home:
                hubs.append(proc)
        except (psutil.Error, TypeError):
            continue
    totals = {"hub": 0.0, "proxy": 0.0, "idle_culler": 0.0, "single_user_servers": 0.0}
    for hub in hubs:
        totals["hub"] += hub.memory_info().rss
        for child in hub.children(recursive=True):
            try:
                cmd = " ".join(child.cmdline())
                key = (
                    "proxy" if "proxy" in cmd else "idle_culler" if "idle_culler" in cmd
                    else "single_user_servers" if "singleuser" in cmd else None
                )  # fmt: skip
                if key:
                    totals[key] += child.memory_info().rss
            except psutil.Error:
                continue
    return {key: round(value / 2**20, 1) for key, value in totals.items()}


def pyspark_first_result(home: Path, user: str) -> float:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    specs = KernelSpecManager(kernel_dirs=[str(home / "notebooks" / "kernels" / user / "kernels")])
    manager = KernelManager(kernel_name="wfo-pyspark", kernel_spec_manager=specs)
    env = {
        **os.environ,
        "WFO_HOME": str(home),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
    }
    started = time.monotonic()
    manager.start_kernel(env=env)
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=180)
        reply = client.execute_interactive(
            "spark.range(10).count()", timeout=240, output_hook=lambda msg: None
        )
        assert reply["content"]["status"] == "ok"
        return round(time.monotonic() - started, 2)
    finally:
        manager.shutdown_kernel(now=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base, hub = f"http://localhost:{args.port}", f"http://localhost:{args.port + 3000}"
    token = httpx.post(f"{base}/auth/token", json={"username": args.user, "password": args.password}).json()[
        "access_token"
    ]
    cold, warm = [], []
    _, client = click(base, token)  # a hub session for the stop calls
    for _ in range(args.rounds):
        stop_server(hub, client, args.user.lower())
        took, fresh = click(base, token)
        cold.append(took)
        warm.append(click(base, token)[0])
        client = fresh
    home = str(Path(args.home).expanduser())
    report = {
        "cold_spawn_seconds": [round(x, 2) for x in cold],
        "cold_spawn_median": round(statistics.median(cold), 2),
        "warm_seconds": [round(x, 2) for x in warm],
        "warm_median": round(statistics.median(warm), 2),
        "rss_mib_one_idle_server": hub_processes(home),
        "pyspark_first_result_seconds": pyspark_first_result(Path(home), args.user.lower()),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
