"""Model serving, side by side in one run (not in .ci/run): wrk, single-row predict, concurrency 16.

    .venv/bin/python bench/serving/run.py [--seconds 30] [--no-torchserve]

Targets, each alone on the machine while measured:
* wfo's model server, Open Inference Protocol v2 route, ONNX (iris logistic regression from skl2onnx);
* a bare FastAPI + onnxruntime app serving the same file on the same route (bench/serving/baseline.py);
* wfo's model server, TorchServe-compatible `/predictions` route, a .mar with a custom handler;
* TorchServe 0.12 (Java frontend + Python worker, `torchserve` from PyPI) serving the same .mar, if it starts.
Also: upload -> serving latency (repository upload to the first 200 from the server, 5 uploads), and the
server's RSS idle (no model) and with the ONNX model. Results: bench/results/serving-<time>.json.
Needs `wrk` (Debian package).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
VENV_BIN = Path(sys.executable).parent
CONCURRENCY = 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# `--pin`: wrk gets CPU 0 and one thread, the server under test (its whole process tree) the other CPUs,
# so the load generator and the server never take each other's core mid-request.
PIN: dict[str, list[int]] = {}


def pin(pid: int) -> None:
    """Put the server's process tree on the CPUs that are not wrk's (when `--pin`)."""
    if not PIN:
        return
    proc = psutil.Process(pid)
    for member in [proc, *proc.children(recursive=True)]:
        try:
            # Every thread of the process, not only the one that the call would pin.
            for thread in member.threads():
                os.sched_setaffinity(thread.id, PIN["server"])
        except (psutil.Error, OSError):
            pass


def wrk(url: str, body: bytes, seconds: int, folder: Path, server_pid: int | None = None) -> dict[str, Any]:
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("P50 %d\\nP99 %d\\nERRORS %d\\nNON2XX %d\\n", latency:percentile(50),'
        " latency:percentile(99), summary.errors.connect + summary.errors.read + summary.errors.write +"
        " summary.errors.timeout, summary.errors.status))\nend\n"
    )
    if server_pid is not None:
        pin(server_pid)
    command = ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{seconds}s", "-s", str(script), url]
    if PIN:
        command = ["taskset", "-c", ",".join(map(str, PIN["wrk"])), "wrk", "-t1", *command[2:]]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    grab = lambda key: int(re.search(rf"^{key} (\d+)$", out, re.M).group(1))  # type: ignore[union-attr]  # noqa: E731
    return {
        "requests_per_second": round(rps, 1),
        "p50_ms": grab("P50") / 1000,
        "p99_ms": grab("P99") / 1000,
        "errors": grab("ERRORS"),
        "non_2xx": grab("NON2XX"),
    }


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    return round(total / 1024 / 1024, 1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--no-torchserve", action="store_true")
    parser.add_argument(
        "--pin", action=argparse.BooleanOptionalAction, default=True,
        help="wrk on CPU 0 with one thread, each server on the other CPUs (default; --no-pin: both anywhere)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="measure each target this many times, in turn")
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) >= 2:
        PIN.update(wrk=cpus[:1], server=cpus[1:])

    from wfo.repositories.models import ModelRepository
    from wfo.storage.objectstore import ObjectStore

    from helpers.models import TABULAR_HANDLER, mar, onnx_classifier

    work = Path(tempfile.mkdtemp(prefix="wfo-bench-serving-"))
    home = work / "home"
    port = free_port()
    while port + 4000 > 65000:
        port = free_port()
    env = {**os.environ, "WFO_HOME": str(home), "WFO_PORT": str(port - 4000 if port > 4000 else port)}
    server_port = int(env["WFO_PORT"]) + 4000
    store = ObjectStore(f"file://{home / 'store'}")
    env["WFO_OBJECT_STORE_URL"] = store.url
    env["WFO_MODEL_POLL_SECONDS"] = "0.5"
    repo = ModelRepository(store)
    results: dict[str, Any] = {
        "concurrency": CONCURRENCY,
        "seconds": args.seconds,
        "load_average_1m": os.getloadavg()[0],
        "pinned": dict(PIN) or None,
    }
    features = [5.1, 3.5, 1.4, 0.2]
    v2_body = json.dumps(
        {"inputs": [{"name": "X", "shape": [1, 4], "datatype": "FP32", "data": features}]}
    ).encode()
    mar_body = json.dumps({"data": [features]}).encode()
    _model, onnx_bytes = onnx_classifier()
    mar_bytes = mar(TABULAR_HANDLER)
    processes: list[subprocess.Popen[bytes]] = []
    base = f"http://127.0.0.1:{server_port}"
    try:
        log = open(work / "model-server.log", "wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "wfo.serving.component"],
            env={**env, "WFO_HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(server)
        results["server_start_seconds"] = round(wait_http(f"{base}/v2/health/ready"), 2)
        time.sleep(2)
        results["rss_idle_mb"] = rss_mb(server.pid)

        # Upload -> serving latency: a new version each time, until the server answers with it.
        latencies = []
        for round_ in range(5):
            data = onnx_bytes + b"" if round_ == 0 else onnx_bytes
            started = time.monotonic()
            added = repo.upload("onnx", f"iris{round_}", "iris.onnx", io.BytesIO(data), "bench")
            repo.set_public(added.name, True)
            url = f"{base}/v2/models/{added.name}/infer"
            while post(url, v2_body)[0] != 200:
                time.sleep(0.02)
            latencies.append(round(time.monotonic() - started, 3))
        results["upload_to_serving_seconds"] = latencies
        results["rss_with_onnx_models_mb"] = rss_mb(server.pid)

        baseline_port = free_port()
        baseline = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "bench" / "serving" / "baseline.py"),
                str(work / "iris.onnx"),
                str(baseline_port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        (work / "iris.onnx").write_bytes(onnx_bytes)
        processes.append(baseline)
        baseline_url = f"http://127.0.0.1:{baseline_port}/v2/models/iris/infer"
        deadline = time.monotonic() + 60
        while True:
            try:
                if post(baseline_url, v2_body)[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the baseline did not start")
            time.sleep(0.1)
        # The two v2 targets in turn, `--repeat` times: the same moments of the machine for both.
        for _ in range(args.repeat):
            for key, url, pid in (
                ("wfo_v2_onnx", f"{base}/v2/models/iris0/infer", server.pid),
                ("baseline_fastapi_onnxruntime", baseline_url, baseline.pid),
            ):
                results[key] = wrk(url, v2_body, args.seconds, work, pid)
                results.setdefault(f"{key}_runs", []).append(results[key])
        results["rss_baseline_mb"] = rss_mb(baseline.pid)
        stop(baseline)

        repo.upload("pytorch", "tabular", "tabular.mar", io.BytesIO(mar_bytes), "bench")
        repo.set_public("tabular", True)
        started = time.monotonic()
        while post(f"{base}/predictions/tabular", mar_body)[0] != 200:
            time.sleep(0.05)
        results["mar_upload_to_serving_seconds"] = round(time.monotonic() - started, 2)
        results["wfo_torchserve_route"] = wrk(
            f"{base}/predictions/tabular", mar_body, args.seconds, work, server.pid
        )
        results["rss_with_onnx_and_mar_mb"] = rss_mb(server.pid)
        stop(server)

        if not args.no_torchserve:
            results["torchserve_0_12"] = torchserve(work, mar_bytes, mar_body, args.seconds)
    finally:
        for proc in processes:
            stop(proc)
    print(json.dumps(results, indent=2))
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"serving-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written: {path}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def torchserve(work: Path, mar_bytes: bytes, body: bytes, seconds: int) -> dict[str, Any]:
    """TorchServe 0.12 on the same .mar: one worker (like wfo's one process), token auth off."""
    store = work / "ts-store"
    store.mkdir()
    (store / "tabular.mar").write_bytes(mar_bytes)
    inference, management, metrics = free_port(), free_port(), free_port()
    config = work / "config.properties"
    config.write_text(
        f"inference_address=http://127.0.0.1:{inference}\nmanagement_address=http://127.0.0.1:{management}\n"
        f"metrics_address=http://127.0.0.1:{metrics}\ndefault_workers_per_model=1\ndisable_token_authorization=true\n"
        "enable_envvars_config=false\ninstall_py_dep_per_model=false\n"
    )
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", "LOG_LOCATION": str(work / "ts-logs")}
    proc = subprocess.Popen(
        [str(VENV_BIN / "torchserve"), "--foreground", "--ts-config", str(config), "--model-store", str(store),
         "--models", "tabular=tabular.mar", "--ncs", "--disable-token-auth"],
        env=env, cwd=work, stdout=open(work / "torchserve.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{inference}/predictions/tabular"
        deadline = time.monotonic() + 120
        while True:
            try:
                if post(url, body)[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (work / "torchserve.log").read_text(errors="replace")[-2000:]
                return {"error": f"TorchServe did not serve the .mar: {tail}"}
            time.sleep(0.5)
        measured = wrk(url, body, seconds, work, proc.pid)
        measured["rss_mb"] = rss_mb(proc.pid)
        return measured
    finally:
        stop(proc)


if __name__ == "__main__":
    raise SystemExit(main())
