"""Overhead of wfo's Spark operators over a bare `spark-submit` of the same job.

    .venv/bin/python bench/spark_submit/run.py [--pairs 10] [--platform N [--platform-connect]]

Runs the same small PySpark job (a code artifact) `--pairs` times each way, interleaved (bare, operator,
operator, bare, ...): `spark-submit` started directly, and `CouturePySparkOperator.execute()` in-process
(reads the config group from its connection, renders it, fetches the artifact from the object store,
submits through the provider's hook). Reports medians and their difference. With `--platform N` it
also starts `wfo up` on a temporary home and triggers the same job N times as a DAG task through the REST
API (the embedded default: Spark master local[*]), reporting the run's wall time (trigger to success) and
the task's own duration; `--platform-connect` then sets the default group's Spark engine to `connect` (wfo's
own server, started lazily by the first of those runs, which is not counted) and runs the job N times again.

With `--connect N` it also starts wfo's Spark Connect server (`wfo.sparkconnect.server`, as `wfo up` runs it)
and runs the same task N times each way, interleaved: `spark_engine="submit"` and `spark_engine="connect"`
(the script as a Spark Connect client of the warm server). Reports the server's cold start, its idle memory
(RSS/PSS of the JVM), the medians and their ratio; `--concurrent K` adds K tasks at once each way (wall time
until all K ended; K spark-submits at once need about K x 400 MB).

    .venv/bin/python bench/spark_submit/run.py --pairs 0 --connect 5 [--concurrent 10]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JOB = b"""
from wfo.task import run_method

def count_rows(payload):
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    print("rows:", spark.range(payload["method_args_dict"]["n"]).count())
    spark.stop()

if __name__ == "__main__":
    run_method(globals())
"""
PAYLOAD = {"method_id": "count_rows", "dag_id": "bench", "method_args_dict": {"n": 1000}}


def _setup(work: Path) -> Path:
    os.environ["WFO_HOME"] = str(work / "home")
    os.environ["WFO_OBJECT_STORE_URL"] = (work / "store").as_uri()
    group = {
        "format": 1,
        "name": "bench",
        "is_default": True,
        "spark_home": None,
        "spark": {"arguments": {"master": "local[*]"}, "confs": {}},
        "hadoop_files": {},
        "krb5_conf": None,
        "kerberos": {"principal": None, "keytab": None},
        "keytabs": {},
        "livy": {},
    }
    from wfo.clusters.signing import ensure_signing_key, load_private_key, sign

    # Operators accept only a group signed by the instance's key, as `wfo up` publishes them.
    os.environ["WFO_SIGNING_PUBLIC_KEY"] = ensure_signing_key(work / "home")
    signed = sign(load_private_key(work / "home"), "wfo_config_group_bench", group)
    os.environ["AIRFLOW_CONN_WFO_CONFIG_GROUP_BENCH"] = json.dumps(
        {"conn_type": "wfo_config_group", "extra": signed}
    )
    from wfo.repositories.code_artifacts import CodeArtifacts
    from wfo.repositories.files import Upload
    from wfo.storage.objectstore import ObjectStore

    CodeArtifacts(ObjectStore.from_settings()).upload([Upload("bench_job.py", io.BytesIO(JOB))], "bench")
    script = work / "bench_job.py"
    script.write_bytes(JOB)
    return script


def bare(script: Path) -> float:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYSPARK_PYTHON": sys.executable,
    }
    cmd = [
        "spark-submit",
        "--master",
        "local[*]",
        "--conf",
        "spark.workflow.taskId=count_rows",
        "--conf",
        "spark.workflow.dagId=bench",
        "--name",
        "bench",
        str(script),
        json.dumps(PAYLOAD),
    ]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def operator(spark_engine: str | None = None, task_id: str = "count_rows") -> float:
    from airflow.sdk import DAG

    from wfo.operators import CouturePySparkOperator

    with DAG("bench", schedule=None):
        op = CouturePySparkOperator(
            task_id=task_id,
            method_id="count_rows",
            app_name="bench",
            code_artifact="bench_job.py",
            config_group="bench",
            method_args_dict={"n": 1000},
            spark_engine=spark_engine,
        )
    start = time.perf_counter()
    op.execute({})
    return time.perf_counter() - start


PLATFORM_DAG = """
from airflow.sdk import DAG
from wfo.operators import CouturePySparkOperator

with DAG("bench_spark", schedule=None, catchup=False):
    CouturePySparkOperator(task_id="count_rows", method_id="count_rows", app_name="bench",
                           code_artifact="bench_job.py", method_args_dict={"n": 1000})
"""


def _timed_runs(platform: Any, runs: int, label: str) -> tuple[list[float], list[float]]:
    """Trigger `bench_spark` runs + 1 times (the first warms up, not counted): run wall and task durations."""
    walls, tasks = [], []
    for i in range(runs + 1):
        start = time.perf_counter()
        run_id = platform.trigger("bench_spark")
        assert platform.wait_for_run("bench_spark", run_id, timeout=600) == "success"
        wall = time.perf_counter() - start
        ti = platform.request(
            "GET",
            f"/api/v2/dags/bench_spark/dagRuns/{run_id}/taskInstances/count_rows",
            token=platform.token(),
            expected=(200,),
        ).json()
        if i:
            walls.append(wall)
            tasks.append(float(ti["duration"]))
        print(
            f"platform run {i} ({label}): wall {wall:.2f} s, task {float(ti['duration']):.2f} s", flush=True
        )
    return walls, tasks


def platform_runs(runs: int, work: Path, connect: bool = False) -> dict[str, Any]:
    """Median wall time of the job as a DAG task on `wfo up` (trigger to success) and of the task itself;
    with `connect`, then the same with the default group's Spark engine set to wfo's Spark Connect server."""
    import secrets as _secrets

    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]
    from common.accounting import platform_idle

    from helpers.platform_runner import Platform, free_port

    platform = Platform(home=work / "platform", port=free_port(), admin_password=_secrets.token_urlsafe(12))
    platform.start()
    result: dict[str, Any] = {}
    try:
        platform.upload("/wfo/api/v1/code-artifacts", [("bench_job.py", JOB)])
        platform.deploy_dag("bench_spark.py", PLATFORM_DAG)
        walls, tasks = _timed_runs(platform, runs, "spark-submit")
        result["platform_idle"] = platform_idle(platform.home)
        if connect:
            body = {"engine": "connect", "url": None}
            platform.api("PUT", "/config-groups/default/spark-engine", json_body=body, expected=(200,))
            connect_walls, connect_tasks = _timed_runs(platform, runs, "Spark Connect")
            result |= {
                "platform_connect_wall_median_s": statistics.median(connect_walls),
                "platform_connect_task_median_s": statistics.median(connect_tasks),
                "platform_connect_walls": connect_walls,
                "platform_connect_tasks": connect_tasks,
            }
    finally:
        platform.stop()
    return {
        "platform_wall_median_s": statistics.median(walls),
        "platform_task_median_s": statistics.median(tasks),
        **result,
    }


def connect_runs(pairs: int, concurrent: int, work: Path) -> dict[str, Any]:
    """spark-submit vs Spark Connect for the same task (`operator(spark_engine=...)`), and the server's cost."""
    import psutil

    from wfo.settings import get_settings
    from wfo.sparkconnect.local import ensure_started, server_status

    settings = get_settings()
    log = open(work / "spark-connect.log", "wb")  # closed with the server
    server = subprocess.Popen(
        [sys.executable, "-m", "wfo.sparkconnect.server"],
        env={**os.environ, "WFO_SPARK_CONNECT": "lazy"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    try:
        deadline = time.monotonic() + 30
        while not (settings.run_dir / "spark-connect.sock").exists():
            assert time.monotonic() < deadline and server.poll() is None, "the keeper did not start"
            time.sleep(0.2)
        start = time.perf_counter()
        ensure_started(settings)
        cold = time.perf_counter() - start
        operator("connect")  # the client side's first imports
        time.sleep(5)
        jvm = psutil.Process(int(server_status(settings)["pid"]))
        idle_rss = jvm.memory_info().rss / 2**20
        idle_pss = jvm.memory_full_info().pss / 2**20
        submit_times, connect_times = [], []
        for i in range(pairs):
            order = ("submit", "connect") if i % 2 == 0 else ("connect", "submit")
            for engine in order:
                (submit_times if engine == "submit" else connect_times).append(operator(engine))
            print(
                f"pair {i + 1}: submit {submit_times[-1]:.2f} s, connect {connect_times[-1]:.2f} s",
                flush=True,
            )
        result: dict[str, Any] = {
            "connect_pairs": pairs,
            "connect_server_cold_start_s": cold,
            "connect_server_idle_rss_mb": idle_rss,
            "connect_server_idle_pss_mb": idle_pss,
            "connect_server_memory_setting": settings.spark_connect_memory,
            "task_submit_median_s": statistics.median(submit_times),
            "task_connect_median_s": statistics.median(connect_times),
            "connect_to_submit_ratio": statistics.median(connect_times) / statistics.median(submit_times),
            "task_submit": submit_times,
            "task_connect": connect_times,
        }
        if concurrent:
            from concurrent.futures import ThreadPoolExecutor

            for engine in ("connect", "submit"):
                start = time.perf_counter()
                with ThreadPoolExecutor(concurrent) as pool:
                    list(pool.map(lambda i, e=engine: operator(e, f"count_rows_{i}"), range(concurrent)))
                result[f"concurrent_{concurrent}_{engine}_wall_s"] = time.perf_counter() - start
                print(
                    f"{concurrent} at once, {engine}: {result[f'concurrent_{concurrent}_{engine}_wall_s']:.2f} s"
                )
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument(
        "--platform", type=int, default=0, metavar="N", help="also N runs as a task on wfo up"
    )
    parser.add_argument("--connect", type=int, default=0, metavar="N", help="also N pairs submit vs connect")
    parser.add_argument(
        "--platform-connect", action="store_true", help="with --platform: the same runs through Spark Connect"
    )
    parser.add_argument(
        "--concurrent", type=int, default=0, metavar="K", help="with --connect: K tasks at once"
    )
    args = parser.parse_args()
    if args.connect:
        sys.path[:0] = [str(ROOT / "tests")]
        from helpers.platform_runner import free_port

        os.environ["WFO_PORT"] = str(free_port(19100, 20000))
    with tempfile.TemporaryDirectory(prefix="wfo-bench-spark-") as tmp:
        script = _setup(Path(tmp))
        os.environ["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
        os.environ["PYSPARK_PYTHON"] = sys.executable
        operator()  # warm-up: imports, JVM class cache
        connect = connect_runs(args.connect, args.concurrent, Path(tmp)) if args.connect else {}
        bare_times, op_times = [], []
        for i in range(args.pairs):
            order = (bare, operator) if i % 2 == 0 else (operator, bare)
            for run in order:
                elapsed = run(script) if run is bare else run()  # type: ignore[operator]
                (bare_times if run is bare else op_times).append(elapsed)
            print(f"pair {i + 1}: bare {bare_times[-1]:.2f} s, operator {op_times[-1]:.2f} s", flush=True)
    platform: dict[str, Any] = {}
    if args.platform:
        with tempfile.TemporaryDirectory(prefix="wfo-bench-spark-platform-") as tmp:
            platform = platform_runs(args.platform, Path(tmp), connect=args.platform_connect)
    result: dict[str, Any] = {
        **platform,
        **connect,
        "pairs": args.pairs,
        "bare": bare_times,
        "operator": op_times,
    }
    if bare_times:
        result |= {
            "bare_median_s": statistics.median(bare_times),
            "operator_median_s": statistics.median(op_times),
            "overhead_s": statistics.median(op_times) - statistics.median(bare_times),
            "ratio": statistics.median(op_times) / statistics.median(bare_times),
        }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "spark_submit.json").write_text(json.dumps(result, indent=2))
    print("\n| | median |\n|---|---:|")
    if bare_times:
        print(
            f"| bare spark-submit | {result['bare_median_s']:.2f} s |"
            f"\n| CouturePySparkOperator.execute | {result['operator_median_s']:.2f} s |"
            f"\n| overhead (difference of medians) | {result['overhead_s']:+.2f} s |"
            f"\n| ratio | {result['ratio']:.3f} |"
        )
    if connect:
        print(
            f"| trivial PySpark task, spark-submit (operator.execute) | {connect['task_submit_median_s']:.2f} s |\n"
            f"| the same through Spark Connect (warm server) | {connect['task_connect_median_s']:.2f} s |\n"
            f"| ratio connect / submit | {connect['connect_to_submit_ratio']:.3f} |\n"
            f"| Spark Connect server: cold start (to its first answer, warm-up query included) | "
            f"{connect['connect_server_cold_start_s']:.1f} s |\n"
            f"| ... idle JVM memory (driver memory {connect['connect_server_memory_setting']}) | "
            f"RSS {connect['connect_server_idle_rss_mb']:.0f} MB, PSS {connect['connect_server_idle_pss_mb']:.0f} MB |"
        )
        for key in sorted(k for k in connect if k.startswith("concurrent_")):
            print(f"| {key} | {connect[key]:.2f} s |")
    if platform:
        print(
            "| the same job as a DAG task on `wfo up`, run wall time (trigger to success) | "
            f"{platform['platform_wall_median_s']:.2f} s |\n"
            f"| ... the task's own duration | {platform['platform_task_median_s']:.2f} s |"
        )
        if "platform_connect_task_median_s" in platform:
            print(
                "| the same DAG through Spark Connect (group engine `connect`), run wall time | "
                f"{platform['platform_connect_wall_median_s']:.2f} s |\n"
                f"| ... the task's own duration | {platform['platform_connect_task_median_s']:.2f} s |"
            )


if __name__ == "__main__":
    main()
