"""Orchestration overhead: `wfo up` vs stock `airflow standalone`, side by side in one run.

    .venv/bin/python bench/orchestration/run.py [--quick] [--runs N] [--sleep S] [--parallelism P]

Measures, for both platforms started at the same time on this machine:
  * wall time from trigger to run success of a 20-task no-op chain (-> per-task overhead)
    and of a 50-task fan-out (one start task, 50 parallel no-op tasks);
  * idle CPU (user+system time, reaped children's included, of every process of the instance, as a
    fraction of one core)
    over the same idle window for both, with a per-component breakdown;
  * RSS (sum over the processes) idle and the peak during the fan-out runs;
  * import cost of `wfo.operators` and `wfo.plugin.plugin` over `import airflow` in fresh interpreters.
Writes bench/results/orchestration-<timestamp>.json and prints a markdown table. See bench/orchestration/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as py_platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from helpers.platform_runner import free_port  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
RESULTS = REPO / "bench" / "results"

CHAIN_TASKS = 20
FANOUT_TASKS = 50

CHAIN_DAG = f"""
import pendulum
from airflow.sdk import dag, task


@task
def noop():
    pass


@dag(dag_id="bench_chain", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_chain():
    previous = None
    for i in range({CHAIN_TASKS}):
        current = noop.override(task_id=f"t{{i:02d}}")()
        if previous is not None:
            previous >> current
        previous = current


bench_chain()
"""

FANOUT_DAG = f"""
import pendulum
from airflow.sdk import dag, task


@task
def noop():
    pass


@dag(dag_id="bench_fanout", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_fanout():
    start = noop.override(task_id="start")()
    for i in range({FANOUT_TASKS}):
        start >> noop.override(task_id=f"leaf{{i:02d}}")()


bench_fanout()
"""

DAGS = {"bench_chain": CHAIN_DAG, "bench_fanout": FANOUT_DAG}


# --- process accounting (psutil) --------------------------------------------------------------------
def _component(cmdline: str) -> str:
    if "LocalExecutor" in cmdline or "airflow worker" in cmdline:
        return "executor-workers"
    if "api_server" in cmdline:
        return "api-server"
    if "serve-logs" in cmdline:
        return "log-servers"
    if "supervisor" in cmdline or "task" in cmdline.split(" ")[1:2]:
        return "tasks"
    for name in ("api-server", "scheduler", "dag-processor", "triggerer", "standalone"):
        if f"airflow {name}" in cmdline or f"airflow\0{name}" in cmdline or cmdline.endswith(f" {name}"):
            return name
    if " up " in cmdline or cmdline.endswith(" up") or "wfo up" in cmdline:
        return "wfo-up"
    if "airflow" in cmdline and "executor" in cmdline.lower():
        return "executor-worker"
    return cmdline.split(" ", 1)[0].rsplit("/", 1)[-1][:40] or "?"


def instance_processes(marker: bytes) -> dict[str, psutil.Process]:
    """pid -> live process of an instance.

    A process belongs to it when its environment holds `marker` (NAME=value) or when it descends from
    one that does: Airflow's setproctitle rewrites the environment area of the api-server and the
    executor workers, so the marker alone misses them.
    """
    name, _, value = marker.decode().partition("=")
    own = os.getpid()
    members: dict[int, psutil.Process] = {}
    for process in psutil.process_iter(["environ"]):
        if process.pid == own or (process.info["environ"] or {}).get(name) != value:
            continue
        members[process.pid] = process
        try:
            members.update((child.pid, child) for child in process.children(recursive=True))
        except psutil.Error:
            pass
    return {str(pid): process for pid, process in sorted(members.items()) if _running(process)}


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def instance_pids(marker: bytes) -> dict[str, str]:
    """pid -> command line of every live process of an instance."""
    commands = {}
    for pid, process in instance_processes(marker).items():
        try:
            commands[pid] = " ".join(process.cmdline())
        except psutil.Error:
            continue
    return commands


def snapshot(marker: bytes) -> dict[str, dict[str, Any]]:
    snap: dict[str, dict[str, Any]] = {}
    for pid, process in instance_processes(marker).items():
        try:
            with process.oneshot():
                cpu = process.cpu_times()
                memory = process.memory_full_info()  # PSS: Linux's smaps_rollup, shared pages split
                cmd = " ".join(process.cmdline())
        except psutil.Error:
            continue
        # Reaped children count through children_user/children_system (the kernel's cutime/cstime).
        seconds = cpu.user + cpu.system + cpu.children_user + cpu.children_system
        pss = getattr(memory, "pss", memory.uss)  # no PSS on macOS: its unique set instead
        snap[pid] = {"cpu": seconds, "rss_kb": memory.rss // 1024, "pss_kb": pss // 1024, "cmd": cmd}
    return snap


def rss_mb(marker: bytes) -> float:
    return sum(p["rss_kb"] for p in snapshot(marker).values()) / 1024


def cpu_delta(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> dict[str, float]:
    """CPU seconds per component between two snapshots (children reaped in between count via cutime)."""
    by_component: dict[str, float] = {}
    for pid in set(before) | set(after):
        start = before.get(pid, {}).get("cpu", 0.0)
        end = after.get(pid, {}).get("cpu", start)  # died and reaped: its parent's children time has it
        cmd = (after.get(pid) or before.get(pid) or {}).get("cmd", "")
        comp = _component(cmd)
        by_component[comp] = by_component.get(comp, 0.0) + (end - start)
    return by_component


# --- the platforms --------------------------------------------------------------------------------
@dataclass
class Instance:
    name: str
    home: Path
    port: int
    marker: bytes
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    password: str = ""
    token: str = ""
    dags_folder: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            return 0, str(exc)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        exe = str(VENV_BIN / "wfo") if self.name == "wfo" else str(VENV_BIN / "airflow")
        cmd = [exe, "airflow", *args] if self.name == "wfo" else [exe, *args]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=600, check=False)


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WFO_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_wfo(root: Path, overrides: dict[str, str]) -> Instance:
    home = root / "wfo-home"
    port = free_port(18100, 18500)
    password = "Bench-" + secrets.token_urlsafe(12)
    env = _base_env()
    env.update({"WFO_HOME": str(home), "WFO_PORT": str(port)})
    # Loopback only; environment overrides the generated airflow.cfg in every child.
    env["AIRFLOW__API__HOST"] = "127.0.0.1"
    env.update(overrides)
    inst = Instance("wfo", home, port, f"WFO_HOME={home}".encode(), env, password=password)
    inst.log_path = root / "wfo-up.log"
    inst.dags_folder = home / "dags"
    with open(inst.log_path, "wb") as out:
        inst.process = subprocess.Popen(
            [str(VENV_BIN / "wfo"), "up", "--port", str(port)],
            env={**env, "WFO_ADMIN_PASSWORD": password},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return inst


def start_stock(root: Path) -> Instance:
    home = root / "stock-home"
    home.mkdir(parents=True)
    port = free_port(18500, 18999)
    env = _base_env()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            # Only what must move so it does not collide with wfo; everything else is Airflow's default.
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port + 1000),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(port + 2000),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    inst = Instance("stock", home, port, f"AIRFLOW_HOME={home}".encode(), env)
    inst.log_path = root / "stock-standalone.log"
    inst.dags_folder = home / "dags"
    with open(inst.log_path, "wb") as out:
        inst.process = subprocess.Popen(
            [str(VENV_BIN / "airflow"), "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return inst


def wait_ready(inst: Instance, timeout: float = 300.0) -> float:
    t0 = time.monotonic()
    deadline = t0 + timeout
    ready_text = "wfo is up:" if inst.name == "wfo" else "Airflow is ready"
    while time.monotonic() < deadline:
        assert inst.process is not None
        if inst.process.poll() is not None:
            raise RuntimeError(f"{inst.name} exited with {inst.process.returncode}:\n{inst.output()[-4000:]}")
        if ready_text in inst.output():
            break
        time.sleep(0.5)
    else:
        raise RuntimeError(f"{inst.name} not ready within {timeout} s:\n{inst.output()[-4000:]}")
    if inst.name == "stock":
        pw_file = inst.home / "simple_auth_manager_passwords.json.generated"
        inst.password = json.loads(pw_file.read_text())["admin"]
    while time.monotonic() < deadline:
        status, body = inst.request(
            "POST", "/auth/token", {"username": "admin", "password": inst.password}, auth=False
        )
        if status in (200, 201):
            inst.token = body["access_token"]
            return time.monotonic() - t0
        time.sleep(1)
    raise RuntimeError(f"{inst.name}: no token: {status} {body}")


def deploy(inst: Instance) -> None:
    assert inst.dags_folder is not None
    inst.dags_folder.mkdir(parents=True, exist_ok=True)
    for dag_id, code in DAGS.items():
        (inst.dags_folder / f"{dag_id}.py").write_text(code, encoding="utf-8")
    result = inst.cli("dags", "reserialize", "--bundle-name", "dags-folder")
    if result.returncode != 0:
        raise RuntimeError(f"{inst.name}: reserialize failed:\n{result.stdout}\n{result.stderr}")
    for dag_id in DAGS:
        deadline = time.monotonic() + 120
        while True:
            status, body = inst.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{inst.name}: {dag_id} not visible: {status} {body}")
            time.sleep(1)


def run_once(inst: Instance, dag_id: str, timeout: float = 240.0, poll: float = 0.1) -> dict[str, Any]:
    t0 = time.monotonic()
    status, run = inst.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": {}})
    if status != 200:
        raise RuntimeError(f"{inst.name}: trigger {dag_id} failed: {status} {run}")
    run_id = urllib.parse.quote(run["dag_run_id"], safe="")
    while time.monotonic() - t0 < timeout:
        status, body = inst.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        if status == 200 and body["state"] in ("success", "failed"):
            wall = time.monotonic() - t0
            if body["state"] != "success":
                raise RuntimeError(f"{inst.name}: {dag_id} run {run_id} {body['state']}")
            return {"wall_s": round(wall, 3), "run_id": body["dag_run_id"]}
        time.sleep(poll)
    raise TimeoutError(f"{inst.name}: {dag_id} did not finish in {timeout} s")


class RssSampler(threading.Thread):
    """Peak summed RSS of an instance while something runs."""

    def __init__(self, marker: bytes, interval: float = 0.5):
        super().__init__(daemon=True)
        self.marker, self.interval = marker, interval
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self.peak_procs = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            snap = snapshot(self.marker)
            total = sum(p["rss_kb"] for p in snap.values()) / 1024
            if total > self.peak_mb:
                self.peak_mb, self.peak_procs = total, len(snap)
            self.peak_pss_mb = max(self.peak_pss_mb, sum(p["pss_kb"] for p in snap.values()) / 1024)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def stop_instance(inst: Instance) -> list[str]:
    """SIGTERM the instance's process group, wait, then kill whatever still carries its marker."""
    leftovers: list[str] = []
    if inst.process is None:
        return leftovers
    if inst.process.poll() is None:
        try:
            os.killpg(inst.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            inst.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    time.sleep(2)
    for _ in range(3):
        alive = instance_pids(inst.marker)
        if not alive:
            break
        leftovers = leftovers or [f"{pid}: {cmd[:120]}" for pid, cmd in alive.items()]
        for pid in alive:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(1)
    try:
        os.killpg(inst.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if inst.process.poll() is None:
        inst.process.kill()
        inst.process.wait()
    return leftovers


# --- import cost ---------------------------------------------------------------------------------------
def import_cost(repeats: int) -> dict[str, Any]:
    env = _base_env()
    env["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="wfo-bench-import-")
    variants = {
        "airflow": "import airflow",
        "airflow+wfo.operators": "import airflow; import wfo.operators",
        "airflow+wfo.plugin.plugin": "import airflow; import wfo.plugin.plugin",
    }
    wall: dict[str, list[float]] = {k: [] for k in variants}
    self_us: dict[str, list[float]] = {"wfo.operators": [], "wfo.plugin.plugin": []}
    for _ in range(repeats):
        for name, code in variants.items():
            t0 = time.perf_counter()
            subprocess.run([PYTHON, "-c", code], env=env, check=True, capture_output=True)
            wall[name].append((time.perf_counter() - t0) * 1000)
        for module in self_us:
            proc = subprocess.run(
                [PYTHON, "-X", "importtime", "-c", f"import airflow; import {module}"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            # After `import airflow`, the top-level (cumulative) entries that follow are what it adds.
            added, seen_airflow = 0, False
            for line in proc.stderr.splitlines():
                m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$", line)
                if not m or m.group(3):
                    continue
                if seen_airflow:
                    added += int(m.group(2))
                seen_airflow = seen_airflow or m.group(4) == "airflow"
            self_us[module].append(added / 1000)
    shutil.rmtree(env["AIRFLOW_HOME"], ignore_errors=True)
    med = {k: statistics.median(v) for k, v in wall.items()}
    return {
        "runs": repeats,
        "wall_ms_median": {k: round(v, 1) for k, v in med.items()},
        "added_ms_wall": {
            "wfo.operators": round(med["airflow+wfo.operators"] - med["airflow"], 1),
            "wfo.plugin.plugin": round(med["airflow+wfo.plugin.plugin"] - med["airflow"], 1),
        },
        "added_ms_importtime": {k: round(statistics.median(v), 1) if v else None for k, v in self_us.items()},
    }


# --- main -------------------------------------------------------------------------------------------
def med(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="2 runs per DAG, 20 s idle window")
    parser.add_argument("--runs", type=int, help="runs per DAG per platform (default 5, --quick 2)")
    parser.add_argument("--idle", type=float, help="idle window in seconds (default 60, --quick 20)")
    parser.add_argument("--sleep", help="override wfo's [scheduler] scheduler_idle_sleep_time")
    parser.add_argument("--parallelism", help="override wfo's [core] parallelism")
    parser.add_argument(
        "--wfo-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for wfo up (e.g. AIRFLOW__SECTION__KEY=value)",
    )
    parser.add_argument("--no-stock", action="store_true", help="exploration only: skip stock Airflow")
    parser.add_argument("--no-imports", action="store_true", help="skip the import-cost measurement")
    parser.add_argument("--tag", default="", help="label stored in the results file name")
    args = parser.parse_args()

    def _terminate(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")  # run the cleanup in `finally`

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    runs = args.runs or (2 if args.quick else 5)
    idle_s = args.idle or (20.0 if args.quick else 60.0)

    overrides: dict[str, str] = {}
    if args.sleep:
        overrides["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"] = args.sleep
    if args.parallelism:
        overrides["WFO_PARALLELISM"] = args.parallelism
    for item in args.wfo_env:
        key, _, value = item.partition("=")
        overrides[key] = value

    root = Path(tempfile.mkdtemp(prefix="wfo-bench-orch-"))
    instances: list[Instance] = []
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": py_platform.python_version(),
            "kernel": py_platform.release(),
        },
        "runs_per_dag": runs,
        "idle_window_s": idle_s,
        "wfo_overrides": overrides,
        "platforms": {},
    }
    try:
        import airflow

        results["airflow_version"] = airflow.__version__
        print(f"bench root {root}; starting platforms ...", flush=True)
        wfo = start_wfo(root, overrides)
        instances.append(wfo)
        stock = None
        if not args.no_stock:
            stock = start_stock(root)
            instances.append(stock)
        for inst in instances:
            startup = wait_ready(inst)
            print(f"  {inst.name} ready on {inst.base_url} (+{startup:.0f} s)", flush=True)
            deploy(inst)
        if stock is not None:
            results["stock_config"] = {
                "parallelism": stock.cli("config", "get-value", "core", "parallelism").stdout.strip(),
                "scheduler_idle_sleep_time": stock.cli(
                    "config", "get-value", "scheduler", "scheduler_idle_sleep_time"
                ).stdout.strip(),
                "executor": stock.cli("config", "get-value", "core", "executor").stdout.strip(),
            }
        results["wfo_config"] = {
            key: wfo.cli("config", "get-value", *key.split(".")).stdout.strip()
            for key in (
                "core.parallelism",
                "scheduler.scheduler_idle_sleep_time",
                "core.executor",
                "dag_processor.refresh_interval",
                "dag_processor.parsing_processes",
            )
        }
        print(f"  wfo config: {results['wfo_config']}", flush=True)

        times: dict[str, dict[str, list[float]]] = {i.name: {d: [] for d in DAGS} for i in instances}
        failures: dict[str, list[str]] = {i.name: [] for i in instances}
        peak_rss: dict[str, float] = {i.name: 0.0 for i in instances}
        peak_pss: dict[str, float] = {i.name: 0.0 for i in instances}
        # One warm-up run of each DAG per platform (first task processes, caches), not counted.
        for inst in instances:
            for dag_id in DAGS:
                try:
                    run_once(inst, dag_id)
                except (RuntimeError, TimeoutError) as exc:
                    failures[inst.name].append(f"warm-up: {exc}")
                    print(f"  FAILED {inst.name} warm-up {dag_id}: {exc}", flush=True)
        print("  warm-up done", flush=True)
        for i in range(runs):
            for dag_id in DAGS:
                for inst in instances if i % 2 == 0 else instances[::-1]:  # interleave, alternate order
                    if len(failures[inst.name]) >= 2:
                        continue  # that platform is broken (e.g. its scheduler died); stop feeding it
                    sampler = RssSampler(inst.marker) if dag_id == "bench_fanout" else None
                    if sampler:
                        sampler.start()
                    try:
                        res = run_once(inst, dag_id)
                    except (RuntimeError, TimeoutError) as exc:
                        failures[inst.name].append(f"run {i + 1} {dag_id}: {exc}")
                        print(f"  FAILED {inst.name} {dag_id}: {exc}", flush=True)
                        continue
                    finally:
                        if sampler:
                            sampler.stop()
                    if sampler:
                        peak_rss[inst.name] = max(peak_rss[inst.name], sampler.peak_mb)
                        peak_pss[inst.name] = max(peak_pss[inst.name], sampler.peak_pss_mb)
                    times[inst.name][dag_id].append(res["wall_s"])
                    print(
                        f"  run {i + 1}/{runs} {inst.name:5s} {dag_id:13s} {res['wall_s']:7.2f} s", flush=True
                    )

        # Idle: both platforms in the same window, after the runs settled.
        print(f"  idle window {idle_s:.0f} s ...", flush=True)
        time.sleep(10)
        before = {inst.name: snapshot(inst.marker) for inst in instances}
        t0 = time.monotonic()
        time.sleep(idle_s)
        after = {inst.name: snapshot(inst.marker) for inst in instances}
        elapsed = time.monotonic() - t0
        for inst in instances:
            by_comp = cpu_delta(before[inst.name], after[inst.name])
            idle_rss = sum(p["rss_kb"] for p in after[inst.name].values()) / 1024
            idle_pss = sum(p["pss_kb"] for p in after[inst.name].values()) / 1024
            chain, fan = times[inst.name]["bench_chain"], times[inst.name]["bench_fanout"]
            results["platforms"][inst.name] = {
                "chain_wall_s": chain,
                "fanout_wall_s": fan,
                "chain_median_s": med(chain),
                "per_task_median_s": round(med(chain) / CHAIN_TASKS, 3),
                "fanout_median_s": med(fan),
                "idle_cpu_core_fraction": round(sum(by_comp.values()) / elapsed, 4),
                "idle_cpu_by_component": {
                    k: round(v / elapsed, 4)
                    for k, v in sorted(by_comp.items(), key=lambda kv: -kv[1])
                    if abs(v) > 0
                },
                "idle_rss_mb": round(idle_rss, 1),
                "idle_pss_mb": round(idle_pss, 1),
                "idle_processes": len(after[inst.name]),
                "fanout_peak_rss_mb": round(peak_rss[inst.name], 1),
                "fanout_peak_pss_mb": round(peak_pss[inst.name], 1),
                "failures": failures[inst.name],
            }
    finally:
        for inst in instances:
            left = stop_instance(inst)
            if left:
                results.setdefault("leftovers_after_sigterm", {})[inst.name] = left
        for inst in instances:
            still = instance_pids(inst.marker)
            if still:
                print(f"WARNING: {inst.name} processes still alive: {still}", file=sys.stderr)
    if not args.no_imports:
        print("  import cost ...", flush=True)
        results["imports"] = import_cost(5 if args.quick else 10)
    shutil.rmtree(root, ignore_errors=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = f"-{args.tag}" if args.tag else ""
    out = RESULTS / f"orchestration-{time.strftime('%Y%m%d-%H%M%S')}{tag}.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print()
    print(render_table(results))
    print(f"\nresults: {out}")
    return 0


def render_table(results: dict[str, Any]) -> str:
    p = results["platforms"]
    w, s = p.get("wfo", {}), p.get("stock", {})

    def ratio(key: str) -> str:
        return f"{w[key] / s[key]:.2f}" if s and s.get(key) else "–"

    rows = [
        ("20-task chain, median wall (s)", "chain_median_s", "{:.2f}"),
        ("per-task overhead, chain / 20 (s)", "per_task_median_s", "{:.3f}"),
        ("50-task fan-out, median wall (s)", "fanout_median_s", "{:.2f}"),
        ("idle CPU (fraction of one core)", "idle_cpu_core_fraction", "{:.3f}"),
        ("idle RSS, all processes (MB)", "idle_rss_mb", "{:.0f}"),
        ("idle PSS, all processes (MB)", "idle_pss_mb", "{:.0f}"),
        ("peak RSS during fan-out (MB)", "fanout_peak_rss_mb", "{:.0f}"),
        ("peak PSS during fan-out (MB)", "fanout_peak_pss_mb", "{:.0f}"),
    ]
    lines = [
        f"Airflow {results.get('airflow_version')}, {results['machine']['cpus']} cores, "
        f"{results['runs_per_dag']} runs per DAG, idle window {results['idle_window_s']:.0f} s",
        "",
        "| metric | wfo | stock standalone | wfo / stock |",
        "|---|---:|---:|---:|",
    ]
    for label, key, fmt in rows:
        lines.append(
            f"| {label} | {fmt.format(w[key]) if w else '–'} | {fmt.format(s[key]) if s else '–'} | {ratio(key)} |"
        )
    for name in ("wfo", "stock"):
        if name in p:
            comps = ", ".join(f"{k} {v:.3f}" for k, v in p[name]["idle_cpu_by_component"].items())
            lines.append(f"\nidle CPU by component, {name}: {comps}")
    imp = results.get("imports")
    if imp:
        lines += [
            "",
            f"| import (fresh interpreter, median of {imp['runs']}) | added ms over `import airflow` (wall) "
            "| added ms (-X importtime) |",
            "|---|---:|---:|",
        ]
        for mod in ("wfo.operators", "wfo.plugin.plugin"):
            lines.append(f"| `{mod}` | {imp['added_ms_wall'][mod]:.1f} | {imp['added_ms_importtime'][mod]} |")
        lines.append(f"| (`import airflow` alone) | {imp['wall_ms_median']['airflow']:.0f} ms | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
