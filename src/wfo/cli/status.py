"""`wfo status`: what an instance runs, read from its state file and its health endpoint.

`--json` prints one object that checks outside the test suite read:

    {"running": true, "home": ..., "pid": ..., "url": ...,
     "components": [{"name": "api-server", "pid": 123, "state": "running", "url": "http://..."}, ...],
     "health": {"scheduler": "healthy", ...} | null,
     "spark_connect": {"state": "idle" | "starting" | "running" | "failed", "pid": ..., "url": "sc://...",
                       "ui": "http://.../wfo/spark-ui/",
                       "sessions": [{"id": ..., "user": ..., "started": ...}, ...] | null, ...}}

`spark_connect` is there while the spark-connect component runs (WFO_SPARK_CONNECT lazy or on); `sessions`
are those open on the server (from its UI's Connect tab; null with `sessions_reason` if it did not answer).

A component that serves HTTP (the api-server, the notebook hub, the model server) carries its `url`;
the others have `"url": null`. `state` is `running` or `stopped` (its process is gone: the supervisor is
restarting it or gave up).
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from wfo.cli.processes import STATE_FILE, alive
from wfo.settings import Settings

# Exit codes: 0 running and healthy, 1 running but the api-server does not answer, 3 not running.
OK, UNHEALTHY, NOT_RUNNING = 0, 1, 3


def status_report(settings: Settings) -> tuple[int, dict[str, Any]]:
    """The instance's state as a JSON-ready object, and the exit code `wfo status` returns."""
    report: dict[str, Any] = {"running": False, "home": str(settings.home), "components": [], "health": None}
    state_path = settings.run_dir / STATE_FILE
    if not state_path.is_file():
        report["reason"] = f"wfo is not running for {settings.home}"
        return NOT_RUNNING, report
    state = json.loads(state_path.read_text(encoding="utf-8"))
    if not alive(int(state["pid"])):
        report["reason"] = (
            f"wfo is not running for {settings.home} (stale state file from pid {state['pid']})"
        )
        return NOT_RUNNING, report
    urls: dict[str, str] = state.get("urls", {})
    report.update(running=True, home=state["home"], pid=state["pid"], url=state["url"])
    report["components"] = [
        {
            "name": name,
            "pid": pid,
            "state": "running" if pid and alive(int(pid)) else "stopped",
            "url": urls.get(name),
        }
        for name, pid in state["components"].items()
    ]
    try:
        # Where the instance listens (WFO_HOST may be one non-loopback address), at the port it runs on.
        server = dataclasses.replace(settings, port=int(state["port"])).internal_url
        with urllib.request.urlopen(f"{server}/api/v2/monitor/health", timeout=3) as response:
            health = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        report["reason"] = f"the api-server does not answer ({exc})"
        return UNHEALTHY, report
    report["health"] = {part: info.get("status") for part, info in health.items()}
    if "spark-connect" in state["components"]:
        report["spark_connect"] = spark_connect_state(
            dataclasses.replace(settings, home=Path(state["home"]), port=int(state["port"]))
        )
    return OK, report


def spark_connect_state(settings: Settings) -> dict[str, Any]:
    """The Spark Connect server's state from its component (idle until first use in lazy mode)."""
    from wfo.sparkconnect.local import ServerUnavailable, server_status

    try:
        return server_status(settings)
    except (ServerUnavailable, ValueError) as exc:
        return {"state": "unknown", "reason": str(exc)}


def print_report(report: dict[str, Any]) -> None:
    if not report["running"]:
        print(report["reason"])
        return
    print(f"wfo is running for {report['home']} (supervisor pid {report['pid']}) at {report['url']}")
    for comp in report["components"]:
        state = "running" if comp["state"] == "running" else "NOT RUNNING"
        where = f"  {comp['url']}" if comp["url"] else ""
        print(f"  {comp['name']:<14} pid {comp['pid']!s:<8} {state}{where}")
    if report["health"] is None:
        print(f"  health: {report['reason']}")
        return
    for part, status in report["health"].items():
        print(f"  health {part:<20} {status}")
    connect = report.get("spark_connect")
    if connect:
        print(f"  spark connect  {connect.get('url') or ''} {connect['state']}{_connect_detail(connect)}")
        _print_sessions(connect)


def _connect_detail(connect: dict[str, Any]) -> str:
    if connect.get("pid"):
        return f" (JVM pid {connect['pid']}, memory {connect.get('memory')}, restarts {connect.get('restarts')})"
    return f" ({connect['reason']})" if connect.get("reason") else ""


def _print_sessions(connect: dict[str, Any]) -> None:
    if connect["state"] != "running":
        return
    print(f"    spark ui     {connect.get('ui')} (Developer, Admin)")
    sessions = connect.get("sessions")
    if sessions is None:
        print(f"    sessions     unknown ({connect.get('sessions_reason')})")
        return
    print(f"    sessions     {len(sessions)} open")
    for session in sessions:
        print(f"      {session['id']}  {session['user']}  since {session['started']}")
