"""PySpark tasks through the Spark Connect server `wfo up` runs (lazily started by the first task of this file).

One config group `connect` (a clone of the default, engine `connect`, url null) serves every test; the order
matters: the first task pays the server's cold start, the SIGKILL test comes last.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from wfo.settings import Settings
from wfo.sparkconnect.local import read_token, remote_url, server_status, session_remote

from helpers.platform_runner import ROLE_USERS, WFO, Platform, multipart, role_password

pytestmark = pytest.mark.integration
SPARK_TIMEOUT = 420.0
GROUP = "connect"
ENGINE = f"/config-groups/{GROUP}/spark-engine"
EXAMPLES = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples"


def _settings(platform: Platform) -> Settings:
    return Settings(home=platform.home, port=platform.port)


@pytest.fixture(scope="module")
def connect_group(platform: Platform) -> str:
    platform.api("POST", "/config-groups/default/clone", json_body={"name": GROUP}, expected=(201, 409))
    answer = platform.api("PUT", ENGINE, json_body={"engine": "connect", "url": None}, expected=(200,)).json()
    assert answer == {"engine": "connect", "url": None}
    return GROUP


def _run(platform: Platform, dag_id: str, code: str, conf: dict[str, Any] | None = None) -> tuple[str, str]:
    platform.deploy_dag(f"{dag_id}.py", code)
    run_id = platform.trigger(dag_id, conf)
    return run_id, platform.wait_for_run(dag_id, run_id, timeout=SPARK_TIMEOUT)


def test_a_bad_engine_setting_is_refused_and_changes_nothing(platform: Platform, connect_group: str) -> None:
    for body, message in [
        ({"engine": "connect", "url": "http://spark.lan:15002"}, "must look like sc://host:port"),
        ({"engine": "connect", "url": "sc://spark.lan:70000"}, "has port 70000"),
        ({"engine": "spark"}, "must be 'submit' or 'connect'"),
        ({"engine": "connect", "url": None, "token": "t"}, "token is only for a remote server"),
    ]:
        answer = platform.api("PUT", ENGINE, json_body=body)
        assert answer.status == 422 and message in answer.body.decode(), (body, answer.body)
    assert platform.api("GET", ENGINE, expected=(200,)).json() == {"engine": "connect", "url": None}


def test_the_engine_goes_with_an_export_and_back_with_its_import(
    platform: Platform, connect_group: str
) -> None:
    token = platform.token()
    archive = platform.request("GET", "/api/configs/", token=token, expected=(200,)).body
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.extractfile(f"configs/{GROUP}/group.json")
        assert member is not None
        assert json.loads(member.read())["spark_engine"] == {"engine": "connect", "url": None}
    platform.api("PUT", ENGINE, json_body={"engine": "submit", "url": None}, expected=(200,))
    body, content_type = multipart([("configs.tar.gz", archive)], field="sources")
    platform.request(
        "POST",
        "/api/configs",
        data=body,
        token=token,
        headers={"Content-Type": content_type},
        expected=(200,),
    )
    assert platform.api("GET", ENGINE, expected=(200,)).json() == {"engine": "connect", "url": None}


TRIVIAL_JOB = b"""
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
rows = spark.range(100).selectExpr("sum(id) AS total").collect()
print(f"total={rows[0].total} task={spark.conf.get('spark.workflow.taskId')} kind={type(spark).__module__}")
spark.stop()
"""
TRIVIAL_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("DAG_ID", schedule=None, catchup=False) as dag:
    PySparkOperator(task_id="trivial", code_artifact="connect_trivial.py", config_group="connect")
"""


def test_a_pyspark_task_runs_through_the_warm_server(platform: Platform, connect_group: str) -> None:
    platform.upload("/wfo/api/v1/code-artifacts", [("connect_trivial.py", TRIVIAL_JOB)])
    dag_id = "wfo_test_connect_trivial"
    run_id, state = _run(platform, dag_id, TRIVIAL_DAG.replace("DAG_ID", dag_id))
    log = platform.task_log(dag_id, run_id, "trivial")
    assert state == "success", log
    assert "total=4950 task=trivial kind=pyspark.sql.connect.session" in log
    assert f"Spark Connect: sc://localhost:{platform.port + 5000}" in log and "Spark-Submit cmd" not in log
    assert server_status(_settings(platform))["state"] == "running"


def _role_token(platform: Platform, username: str) -> str:
    return platform.token(username, None if username == "admin" else role_password(username))


def test_developers_and_admins_see_the_spark_ui_of_the_server(platform: Platform, connect_group: str) -> None:
    """After the task above ran on the server: its jobs page through wfo, links kept under wfo's prefix."""
    for username, role in ROLE_USERS.items():
        answer = platform.request("GET", "/wfo/spark-ui/jobs/", token=_role_token(platform, username))
        if role in ("Admin", "Developer"):
            page = answer.body.decode()
            assert answer.status == 200 and "Spark Jobs" in page, (role, answer.status, page[:300])
            assert "Completed Jobs" in page  # the trivial task's sum
            links = re.findall(r'(?:href|src)="(/[^"]*)"', page)
            assert links and all(link.startswith("/wfo/spark-ui/") for link in links), links
            assert "/kill/" not in page  # spark.ui.killEnabled=false
        else:
            assert answer.status == 403, (role, answer.status)
    token = _role_token(platform, "dev_user")
    # Spark's own redirect (/ -> /jobs/, to its loopback address) stays under the prefix.
    root = platform.request("GET", "/wfo/spark-ui/", token=token)
    assert root.status == 200 and "Spark Jobs" in root.body.decode()
    # The Connect tab, and its REST API.
    assert "Session Statistics" in platform.request("GET", "/wfo/spark-ui/connect/", token=token).body.decode()
    apps = platform.request("GET", "/wfo/spark-ui/api/v1/applications", token=token, expected=(200,)).json()
    assert apps[0]["name"] == "wfo Spark Connect"
    assert platform.request("GET", "/wfo/spark-ui/jobs/", expected=None).status == 401
    assert platform.request("POST", "/wfo/spark-ui/jobs/job/kill/", token=token).status == 405
    # Spark's UI itself (and every other port of the server's JVM) listens on loopback only.
    jvm = psutil.Process(int(server_status(_settings(platform))["pid"]))
    listening = {c.laddr for c in jvm.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    assert platform.port + 5001 in {address.port for address in listening}, listening
    assert all(address.ip in ("127.0.0.1", "::ffff:127.0.0.1") for address in listening), listening


def test_the_spark_ui_route_does_not_leave_the_spark_ui(platform: Platform, connect_group: str) -> None:
    token = _role_token(platform, "dev_user")
    for path in ("../api/v1/me", "..%2fapi/v1/me", "%2e%2e/%2e%2e/api/v1/me", "jobs/./", "jobs/..%5c..%5c"):
        answer = platform.request("GET", f"/wfo/spark-ui/{path}", token=token)
        assert answer.status == 400, (path, answer.status, answer.body[:200])
        assert "not a Spark UI page" in answer.json()["detail"]


def test_status_lists_the_sessions_open_on_the_server(platform: Platform, connect_group: str) -> None:
    """A session opened by a client is listed with its user id by `wfo status`, and gone once it is closed."""
    settings = _settings(platform)
    session_id = "5e55105e-0000-4000-8000-000000000019"
    env = {**platform.env(), "SPARK_CONNECT_AUTHENTICATE_TOKEN": read_token(settings)}
    remote = session_remote(remote_url(settings), session_id, "wfo_test:status")
    client = subprocess.Popen(
        [sys.executable, "-c", SESSION_CLIENT, remote], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert client.stdout is not None and client.stdout.readline().strip() == b"open"
        listed = _connect_status(platform)["sessions"]
        assert {"id": session_id, "user": "wfo_test:status"} in [
            {"id": s["id"], "user": s["user"]} for s in listed
        ], listed
        text = subprocess.run([WFO, "status"], env=platform.env(), capture_output=True, text=True).stdout
        assert f"{session_id}  wfo_test:status" in text and "/wfo/spark-ui/" in text, text
        client.communicate(b"close\n", timeout=60)
    finally:
        client.kill()
    assert client.returncode == 0
    assert session_id not in [s["id"] for s in _connect_status(platform)["sessions"]]


SESSION_CLIENT = """
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
spark.range(1).collect()
print("open", flush=True)
sys.stdin.readline()
spark.stop()
"""


def _connect_status(platform: Platform) -> dict[str, Any]:
    done = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    connect: dict[str, Any] = json.loads(done.stdout)["spark_connect"]
    assert connect["state"] == "running" and connect["sessions"] is not None, connect
    return connect


def test_the_pyspark_pipeline_example_gives_the_same_output_as_with_spark_submit(
    platform: Platform, connect_group: str
) -> None:
    example = (EXAMPLES / "dags" / "example_pyspark_pipeline.py").read_text()
    outputs = {}
    for engine in ("connect", "submit"):
        dag_id = f"wfo_test_pipeline_{engine}"
        code = (
            example.replace('DAG("PySpark"', f'DAG("{dag_id}"')
            .replace("/output/pyspark/", f"/output/pyspark-{engine}/")
            .replace(
                "    dag=dag,", f'    dag=dag,\n    config_group="connect",\n    spark_engine="{engine}",'
            )
        )
        assert code.count(f'spark_engine="{engine}"') == 2
        run_id, state = _run(platform, dag_id, code)
        assert state == "success", platform.task_log(dag_id, run_id, "Get_Ratings_History")
        folder = platform.home / "examples-data" / "output" / f"pyspark-{engine}" / "history"
        text = "".join(part.read_text() for part in sorted(folder.glob("part-*")))
        rows = list(csv.DictReader(text.splitlines()))
        assert rows, f"no history rows written with {engine}"
        outputs[engine] = sorted(tuple(sorted(row.items())) for row in rows)
    assert outputs["connect"] == outputs["submit"]


def test_example_schema_generation_runs_through_connect_with_the_submit_results(
    platform: Platform, connect_group: str
) -> None:
    """What its spark-submit run gives (tests/integration/dagfiles/test_dagfiles_manual_master_dag.py)."""
    dag_id = "wfo_test_connect_schema"
    code = (
        (EXAMPLES / "dags" / "example_schema_generation.py")
        .read_text()
        .replace('dag_id="ExampleSchemaGeneration"', f'dag_id="{dag_id}"')
        .replace("/output/schema_generation/", "/output/schema_generation-connect/")
        .replace('        description="Infer schemas and count rows",', '        config_group="connect",')
    )
    assert f'dag_id="{dag_id}"' in code and 'config_group="connect"' in code
    run_id, state = _run(platform, dag_id, code)
    log = platform.task_log(dag_id, run_id, "SchemaGeneration")
    assert state == "success", log
    assert "Spark Connect: sc://localhost:" in log
    # Not the first task on the server: its client came from the pre-imported runner, not a fresh Python.
    assert "the client was forked from the instance's pre-imported runner" in log
    out = platform.home / "examples-data" / "output" / "schema_generation-connect"
    reports = {
        name: json.loads("".join(p.read_text() for p in sorted((out / f"{name}_schema").glob("part-*"))))
        for name in ("ratings", "videos")
    }
    assert reports["ratings"]["rows"] == 2000 and reports["videos"]["rows"] == 500
    assert [c["name"] for c in reports["ratings"]["columns"]] == ["user_id", "item_id", "rating", "timestamp"]
    assert {c["name"]: c["type"] for c in reports["videos"]["columns"]}["duration_s"] == "double"
    assert (reports["ratings"]["task_id"], reports["ratings"]["dag_id"]) == ("SchemaGeneration", dag_id)


def test_the_recommendation_bricks_run_through_connect(platform: Platform, connect_group: str) -> None:
    """The three shipped recommendation bricks (Spark SQL, Bucketizer, ALS) on the connect group: the outputs
    their spark-submit run is checked for (tests/integration/dagfiles/test_dagfiles_bricks_run.py)."""
    import pyarrow.parquet as pq

    from wfo.dagfiles.bricks import shipped_bricks

    titles = (
        "compute similarity based on feature vectors",
        "generate buckets from a numerical feature",
        "generate latent features for items",
    )
    by_title = {b.title: b for b in shipped_bricks()}
    header = (
        "from datetime import datetime\nfrom airflow.sdk import DAG\n\nappName = 'BricksConnect'\n"
        "dag = DAG('wfo_test_connect_bricks', schedule=None, start_date=datetime(2024, 1, 1), catchup=False)\n"
    )
    bricks = [
        by_title[t]
        .code.replace("/output/", "/output-connect/")
        .replace("    dag=dag,", '    dag=dag,\n    config_group="connect",')
        for t in titles
    ]
    assert all('config_group="connect"' in brick for brick in bricks)
    run_id, state = _run(platform, "wfo_test_connect_bricks", "\n\n".join([header, *bricks]))
    assert state == "success", platform.task_log("wfo_test_connect_bricks", run_id, "ItemSimilarity")
    output = platform.home / "examples-data" / "output-connect"
    similar = pq.read_table(output / "item_similarity").to_pylist()
    per_item: dict[int, int] = {}
    for row in similar:
        per_item[int(row["item_id"])] = per_item.get(int(row["item_id"]), 0) + 1
    assert len(per_item) > 50 and max(per_item.values()) <= 5
    assert len(pq.read_table(output / "duration_buckets").to_pylist()) == 500
    factors = pq.read_table(output / "item_latent_features").to_pylist()
    assert len(factors) > 50 and all(len(row["features"]) == 8 for row in factors)


VIEW_JOB = b"""
import json, os, sys, time
from pyspark.sql import SparkSession

me, other, folder = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.getOrCreate()
spark.conf.set("wfo.test.owner", me)
spark.createDataFrame([(me,)], ["owner"]).createOrReplaceTempView("shared_name")
spark.range(1).createOrReplaceTempView(f"only_{me}")
open(os.path.join(folder, f"{me}.ready"), "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(os.path.join(folder, f"{other}.ready")):
    if time.monotonic() > deadline:
        raise SystemExit(f"{other} never ran at the same time as {me}")
    time.sleep(0.2)
seen = {
    "view": spark.table("shared_name").collect()[0].owner,
    "conf": spark.conf.get("wfo.test.owner"),
    "sees_other_view": spark.catalog.tableExists(f"only_{other}"),
}
with open(os.path.join(folder, f"{me}.json"), "w") as fh:
    json.dump(seen, fh)
"""
VIEW_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_connect_sessions", schedule=None, catchup=False) as dag:
    for me, other in (("a", "b"), ("b", "a")):
        PySparkOperator(
            task_id=f"task_{me}",
            code_artifact="connect_views.py",
            config_group="connect",
            application_arguments=[me, other, "{{ dag_run.conf['folder'] }}"],
        )
"""


def test_two_tasks_at_once_do_not_see_each_others_temp_views_or_confs(
    platform: Platform, connect_group: str, tmp_path: Path
) -> None:
    platform.upload("/wfo/api/v1/code-artifacts", [("connect_views.py", VIEW_JOB)])
    run_id, state = _run(platform, "wfo_test_connect_sessions", VIEW_DAG, {"folder": str(tmp_path)})
    assert state == "success", platform.task_log("wfo_test_connect_sessions", run_id, "task_a")
    for me in ("a", "b"):
        seen = json.loads((tmp_path / f"{me}.json").read_text())
        assert seen == {"view": me, "conf": me, "sees_other_view": False}


SLOW_JOB = b"""
import sys
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.types import LongType

ticks = sys.argv[1]
spark = SparkSession.builder.getOrCreate()


@F.udf(LongType())
def tick(i):
    import time
    with open(ticks, "a") as fh:
        fh.write(f"{i}\\n")
    time.sleep(0.2)
    return i


spark.range(0, 100000, 1, 1).select(tick("id").alias("i")).agg(F.sum("i")).collect()
"""
SLOW_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_connect_kill", schedule=None, catchup=False) as dag:
    PySparkOperator(
        task_id="slow",
        code_artifact="connect_slow.py",
        config_group="connect",
        application_arguments=["{{ dag_run.conf['ticks'] }}"],
    )
"""


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_killed_task_stops_its_query_on_the_server(
    platform: Platform, connect_group: str, tmp_path: Path
) -> None:
    ticks = tmp_path / "ticks.txt"
    platform.upload("/wfo/api/v1/code-artifacts", [("connect_slow.py", SLOW_JOB)])
    platform.deploy_dag("wfo_test_connect_kill.py", SLOW_DAG)
    run_id = platform.trigger("wfo_test_connect_kill", {"ticks": str(ticks)})
    deadline = time.monotonic() + SPARK_TIMEOUT
    while _lines(ticks) < 3:  # the query runs on the server (its Python UDF writes a line per row)
        assert time.monotonic() < deadline, "the slow query never started"
        time.sleep(0.5)
    platform.request(
        "PATCH",
        f"/api/v2/dags/wfo_test_connect_kill/dagRuns/{run_id}/taskInstances/slow",
        json_body={"new_state": "failed"},
        token=platform.token(),
        expected=(200,),
    )
    # Uninterrupted, the query would write 5 lines a second for hours: it must stop growing.
    deadline = time.monotonic() + 90
    seen = _lines(ticks)
    while True:
        time.sleep(3)
        now = _lines(ticks)
        if now == seen:
            break
        assert time.monotonic() < deadline, f"the query still runs on the server ({now} rows done)"
        seen = now


RDD_JOB = b"""
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
print(spark.sparkContext.parallelize([1, 2, 3]).sum())
"""
RDD_DAG = """
from airflow.sdk import DAG
from wfo.operators import PySparkOperator

with DAG("wfo_test_connect_rdd", schedule=None, catchup=False) as dag:
    PySparkOperator(task_id="rdd", code_artifact="connect_rdd.py", config_group="connect", retries=3)
"""


def test_a_script_using_the_rdd_api_fails_saying_how_to_run_it(
    platform: Platform, connect_group: str
) -> None:
    platform.upload("/wfo/api/v1/code-artifacts", [("connect_rdd.py", RDD_JOB)])
    run_id, state = _run(platform, "wfo_test_connect_rdd", RDD_DAG)
    assert state == "failed"
    log = platform.task_log("wfo_test_connect_rdd", run_id, "rdd")
    assert "uses the SparkContext/RDD API (line 5: .sparkContext)" in log
    # (The task log is JSON: the message's quotes are escaped there.)
    assert 'spark_engine=\\"submit\\"' in log and "/config-groups/connect/spark-engine" in log
    # Not retried (retries=3): it would fail the same way.
    instance = platform.request(
        "GET",
        f"/api/v2/dags/wfo_test_connect_rdd/dagRuns/{run_id}/taskInstances/rdd",
        token=platform.token(),
        expected=(200,),
    ).json()
    assert (instance["state"], instance["try_number"]) == ("failed", 1)


def test_the_pyspark_kernel_of_a_connect_group_has_spark_on_the_server(
    platform: Platform, connect_group: str, tmp_path: Path
) -> None:
    """The notebook hub's PySpark kernel for the group, started as JupyterLab starts it (jupyter_client)."""
    pytest.importorskip("ipykernel", reason="the notebooks extra is not installed")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "wfo-pyspark-connect"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "wfo.hub.pyspark_kernel", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "PySpark", "language": "python"})
    )
    manager = KernelManager(
        kernel_name="wfo-pyspark-connect",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]),
    )
    env = platform.env(
        AIRFLOW_HOME=str(platform.home),
        AIRFLOW_CONFIG=str(platform.home / "airflow.cfg"),
        WFO_KERNEL_CONFIG_GROUP=GROUP,
    )
    manager.start_kernel(env=env)
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=180)
        outputs: list[str] = []
        code = "print(type(spark).__module__, spark.range(10).count(), spark.conf.get('spark.sql.shuffle.partitions'))"
        reply = client.execute_interactive(
            code, timeout=120, output_hook=lambda msg: outputs.append(msg["content"].get("text", ""))
        )
        assert reply["content"]["status"] == "ok", reply["content"]
        # 2: the group's conf (a clone of the default, tests/conftest.py), set on the kernel's own session.
        assert "".join(outputs).split() == ["pyspark.sql.connect.session", "10", "2"]
        reply = client.execute_interactive("sc.parallelize([1])", timeout=60)
        assert reply["content"]["status"] == "error"
        assert "runs PySpark through Spark Connect, which has no SparkContext" in reply["content"]["evalue"]
    finally:
        manager.shutdown_kernel(now=True)


def test_the_server_is_restarted_after_a_sigkill_and_the_next_task_succeeds(
    platform: Platform, connect_group: str
) -> None:
    settings = _settings(platform)
    before = server_status(settings)
    assert before["state"] == "running" and before["pid"]
    os.kill(int(before["pid"]), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server_status(settings)["pid"] == before["pid"]:
        assert time.monotonic() < deadline, "the keeper did not notice the server's end"
        time.sleep(0.5)
    dag_id = "wfo_test_connect_after_kill"
    run_id, state = _run(platform, dag_id, TRIVIAL_DAG.replace("DAG_ID", dag_id))
    assert state == "success", platform.task_log(dag_id, run_id, "trivial")
    after = server_status(settings)
    assert after["state"] == "running" and after["pid"] != before["pid"] and after["restarts"] >= 1
