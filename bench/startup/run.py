"""Start time of `wfo up`: a first start (fresh WFO_HOME: migrate + init + components) and a later one.

    .venv/bin/python bench/startup/run.py [--rounds 3] [--compare-migrate]

Each round makes a fresh WFO_HOME on a free port, runs `wfo up`, measures from the command's start until
the UI answers (`/api/v2/monitor/health` 200 and the login page 200), stops it, starts it again on the
same home (the later start) and measures again. `wfo up` writes its own per-phase durations
(`$WFO_HOME/run/startup.json`: init phases with wall and CPU seconds, each component's time to ready);
they are printed side by side. With `--compare-migrate` a round also times the stock path on a fresh
home, `airflow db migrate` (Airflow's, FAB's and our tables), against our init step's migrate phase.

The machine may be shared: the load average is printed with every figure and the summary gives
medians. Writes bench/results/startup-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from helpers.platform_runner import free_port  # noqa: E402

RESULTS = REPO / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
TIMEOUT = 600.0


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def start_once(home: Path, port: int) -> dict[str, Any]:
    """One `wfo up`: seconds until the UI answers, `wfo up`'s own phases, its console lines."""
    env = {**os.environ, "WFO_HOME": str(home), "WFO_PORT": str(port), "WFO_ADMIN_PASSWORD": "bench-Secret1"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(VENV_BIN / "wfo"), "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.append(f"{time.monotonic() - started:7.1f}  {raw.decode(errors='replace').rstrip()}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    ui_seconds = None
    try:
        while time.monotonic() - started < TIMEOUT and proc.poll() is None:
            if _status(f"{base}/api/v2/monitor/health") == 200 and _status(f"{base}/auth/login/") == 200:
                ui_seconds = time.monotonic() - started
                break
            time.sleep(0.2)
        # `wfo up` says "ready" (all components) after the UI answers: wait for its timings file.
        timings_file = home / "run" / "startup.json"
        while time.monotonic() - started < TIMEOUT and proc.poll() is None and not timings_file.is_file():
            time.sleep(0.2)
        timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}
        load = os.getloadavg()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=5)
    (home / "run" / "startup.json").unlink(missing_ok=True)
    if ui_seconds is None:
        raise RuntimeError("the UI did not answer:\n" + "\n".join(lines[-30:]))
    return {"ui_seconds": round(ui_seconds, 2), "load_average": load, "timings": timings, "console": lines}


def stock_migrate(port: int) -> dict[str, Any]:
    """`airflow db migrate` on a fresh home with wfo's generated config (what a stock setup runs first)."""
    from wfo.cli.airflow_config import child_environment, write_config
    from wfo.settings import load_settings

    home = Path(tempfile.mkdtemp(prefix="wfo-bench-migrate-"))
    try:
        settings = load_settings({**os.environ, "WFO_HOME": str(home), "WFO_PORT": str(port)})
        write_config(settings)
        env = child_environment(settings)
        started, cpu = time.monotonic(), os.times()
        subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
        after = os.times()
        return {
            "seconds": round(time.monotonic() - started, 2),
            "cpu_seconds": round(
                after.children_user + after.children_system - cpu.children_user - cpu.children_system, 2
            ),
            "load_average": os.getloadavg(),
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)


def phase_table(timings: dict[str, Any]) -> list[str]:
    rows = []
    for phase in timings.get("phases", []):
        cpu = f"  cpu {phase['cpu_seconds']:5.1f} s" if phase.get("cpu_seconds") is not None else ""
        rows.append(f"      {phase['phase']:<42} {phase['seconds']:6.1f} s{cpu}   (at {phase['at']:5.1f} s)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare-migrate", action="store_true", help="also time `airflow db migrate`")
    parser.add_argument("--keep", action="store_true", help="keep the instance folders")
    args = parser.parse_args()

    rounds = []
    for index in range(args.rounds):
        home = Path(tempfile.mkdtemp(prefix="wfo-bench-startup-"))
        port = free_port()
        try:
            first = start_once(home, port)
            later = start_once(home, port)
            stock = stock_migrate(free_port()) if args.compare_migrate else None
        finally:
            if not args.keep:
                shutil.rmtree(home, ignore_errors=True)
        rounds.append({"first": first, "later": later, "stock_migrate": stock})
        for name, result in (("first", first), ("later", later)):
            load = ", ".join(f"{x:.1f}" for x in result["load_average"])
            ready = result["timings"].get("ready_seconds")
            print(
                f"round {index + 1} {name:<5}: UI answers after {result['ui_seconds']:6.1f} s, all components "
                f"ready after {ready} s   (load average {load})"
            )
            print("\n".join(phase_table(result["timings"])))
        if stock:
            migrate = next(
                (p for p in first["timings"].get("phases", []) if p["phase"] == "init: migrate"), None
            )
            ours = f"{migrate['seconds']:.1f} s (cpu {migrate.get('cpu_seconds')})" if migrate else "?"
            print(
                f"round {index + 1} migrate on a fresh DB: `airflow db migrate` {stock['seconds']:.1f} s "
                f"(cpu {stock['cpu_seconds']}, incl. its cold start) vs wfo's init migrate phase {ours}"
            )

    def median(kind: str, key: str) -> float:
        return statistics.median(r[kind][key] for r in rounds)

    summary = {
        "first_ui_seconds_median": median("first", "ui_seconds"),
        "later_ui_seconds_median": median("later", "ui_seconds"),
        "first_ready_seconds_median": statistics.median(
            r["first"]["timings"].get("ready_seconds", float("nan")) for r in rounds
        ),
        "later_ready_seconds_median": statistics.median(
            r["later"]["timings"].get("ready_seconds", float("nan")) for r in rounds
        ),
        "load_average_now": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"startup-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2, default=str))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
