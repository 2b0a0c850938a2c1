"""`wfo up` as an admin meets it: first start with its progress, dying components started again, a
restart that skips the work already done, SIGTERM, nothing left over.

Runs a second instance next to the session's platform, so it also shows two instances never cross. That
instance runs the production path — PostgreSQL, the Celery executor with two workers on the local Redis
(the Contract of docs/production.md) — so one extra platform start covers both.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import secrets
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest

from wfo.cli import processes

from helpers.platform_runner import WFO, Platform, env_dump_dag, free_port, instance_processes
from helpers.services import CuttableProxy, PrivateRabbitMQ, PrivateRedis, scratch_database

pytestmark = pytest.mark.integration


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("wfo_platform") as url:
        yield url


def _wait_gone(home: Path, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    left = instance_processes(home)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = instance_processes(home)
    return left


EDGE_DAG = """
from airflow.sdk import dag, task


@dag(dag_id="wfo_edge_probe", schedule=None, catchup=False)
def wfo_edge_probe():
    @task(queue="edge")
    def on_the_edge_node():
        return "edge"

    on_the_edge_node()


wfo_edge_probe()
"""


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


LEDGER_TASKS = 12
LEDGER_DAG = """
import datetime as dt
import time

from airflow.sdk import dag, task

LEDGER = {ledger!r}


@dag(dag_id="wfo_ledger", schedule=None, catchup=False, max_active_tasks=4,
     default_args={{"retries": 4, "retry_delay": dt.timedelta(seconds=2)}})
def wfo_ledger():
    for number in range({tasks}):

        @task(task_id=f"step_{{number:02d}}")
        def step(**context):
            import psycopg2

            time.sleep(3)
            ti = context["ti"]
            with psycopg2.connect(LEDGER) as conn, conn.cursor() as cur:
                cur.execute("INSERT INTO ledger VALUES (%s, %s, %s)", (ti.run_id, ti.task_id, ti.try_number))

        step()


wfo_ledger()
"""


@pytest.fixture
def ledger() -> Iterator[str]:
    """A database of its own for the ledger DAG (reached directly, not through the cut proxy)."""
    with scratch_database("wfo_ledger") as url:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE ledger (run_id TEXT, task_id TEXT, try_number INT)")
        yield url


def _busiest_worker(home: Path) -> str:
    """The Celery worker running the most tasks now (task processes are its pool processes' children)."""
    import psutil

    def running(name: str) -> int:
        worker = psutil.Process(_component_pid(home, name))
        pool = {child.pid for child in worker.children()}
        return sum(1 for p in worker.children(recursive=True) if p.pid not in pool)

    busiest = max(("celery-worker-1", "celery-worker-2"), key=running)
    assert running(busiest) > 0, "no task runs on a worker"
    return busiest


def _ledger_rows(url: str, run_id: str) -> list[tuple[str, str, int]]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT run_id, task_id, try_number FROM ledger WHERE run_id = %s", (run_id,))
        return list(cur.fetchall())


def _assert_ledger_complete(
    platform: Platform, database: str, ledger: str, run_id: str, started: float, label: str
) -> None:
    """Wait for the ledger run to end: every task `success`, none lost; duplicates counted and printed."""
    state = _wait_for(
        lambda: _run_state(database, "wfo_ledger", run_id), 420, "the ledger run did not end", platform
    )
    tasks = _task_states(database, "wfo_ledger", run_id)
    rows = _ledger_rows(ledger, run_id)
    ran = {task for _run, task, _try in rows}
    report = {
        "tasks": len(tasks), "lost": LEDGER_TASKS - len(ran), "duplicates": len(rows) - len(ran),
        "run_seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip
    print(f"{label}: {report}; tries: {sorted(t for t in rows if t[2] > 1)}")
    assert state == "success" and set(tasks.values()) == {"success"}, (
        state,
        tasks,
        platform.output()[-3000:],
    )
    assert report["lost"] == 0 and len(tasks) == LEDGER_TASKS


def _run_state(url: str, dag_id: str, run_id: str) -> str | None:
    """The run's state once it ended (read from the database directly: the API may be cut off)."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))
        found = cur.fetchone()
    return found[0] if found and found[0] in ("success", "failed") else None


def _task_states(url: str, dag_id: str, run_id: str) -> dict[str, str]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = %s AND run_id = %s", (dag_id, run_id)
        )
        return dict(cur.fetchall())


def _wait_for(check: Callable[[], object], timeout: float, what: str, platform: Platform) -> object:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"{what}:\n{platform.output()[-3000:]}"
        time.sleep(0.5)
    return value


def _status_components(platform: Platform, prefix: str) -> dict[str, dict[str, object]]:
    done = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    components = json.loads(done.stdout)["components"]
    return {c["name"]: c for c in components if c["name"].startswith(prefix)}


def _component_pid(home: Path, name: str) -> int:
    state = json.loads((home / "run" / "wfo.json").read_text())
    return int(state["components"][name])


def _listeners_off_loopback(home: Path) -> list[str]:
    """Listening sockets of the instance's processes on any address but loopback."""
    import psutil

    state = json.loads((home / "run" / "wfo.json").read_text())
    pids = {int(line.split(":", 1)[0]) for line in instance_processes(home)}
    for pid in state["components"].values():
        # The api-server rewrites its process title (and so its visible environment): found by pid.
        root = psutil.Process(int(pid))
        pids |= {root.pid, *(child.pid for child in root.children(recursive=True))}
    found = []
    for pid in sorted(pids):
        try:
            connections = psutil.Process(pid).net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        for conn in connections:
            if conn.status == psutil.CONN_LISTEN and not ipaddress.ip_address(conn.laddr.ip).is_loopback:
                found.append(f"{pid} {processes.command_line(pid)[:80]}: {conn.laddr.ip}:{conn.laddr.port}")
    return found


def _answers(platform: Platform) -> bool:
    try:
        return platform.request("GET", "/api/v2/monitor/health").status == 200
    except OSError:  # not listening yet
        return False


def _cookie_attributes(set_cookie: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:]}


@pytest.mark.postgres
def test_first_start_failure_restart_and_clean_stop(
    tmp_path: Path, platform: Platform, database: str, ledger: str, request: pytest.FixtureRequest
) -> None:
    home = tmp_path / "second"
    port = free_port()
    assert port != platform.port
    second = Platform(home=home, port=port, admin_password="")
    # On PostgreSQL (reached through a proxy this test can cut), as behind a TLS proxy on this host (the
    # proxy is trusted, see the Secure cookies below), with Celery on a Redis of the test's own (restarted
    # below). A task whose worker died is noticed after 20 s without a heartbeat (Airflow's default: 5 min),
    # a restarted scheduler takes over the dead one's tasks within 10 s of noticing it (wfo: 60 s), and a
    # task the killed worker had taken but not started is queued again after 30 s (Airflow: 10 min).
    broker_canary = f"canary-broker-{secrets.token_hex(6)}"
    redis = PrivateRedis(tmp_path / "redis", password=broker_canary)
    redis.start()
    request.addfinalizer(redis.stop)
    # The later start's broker: a RabbitMQ node of the test's own, booting while the first part runs.
    rabbit = PrivateRabbitMQ(tmp_path / "rabbitmq")
    request.addfinalizer(rabbit.stop)
    rabbit_started = ThreadPoolExecutor(max_workers=1).submit(rabbit.start)
    pg = CuttableProxy(("127.0.0.1", 5432))
    request.addfinalizer(pg.close)
    db_url = database.replace("127.0.0.1:5432", f"127.0.0.1:{pg.port}")
    env = {
        "WFO_DATABASE_URL": db_url, "WFO_TRUSTED_PROXIES": "127.0.0.1/32,::1", "WFO_JUPYTER": "off",
        "WFO_BROKER_URL": redis.url, "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "30",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
    }  # fmt: skip
    env_password = os.environ.pop("WFO_ADMIN_PASSWORD", None)
    try:
        second.start(args=("--executor", "celery", "--workers", "2"), **env)
    finally:
        if env_password is not None:
            os.environ["WFO_ADMIN_PASSWORD"] = env_password

    # First start: which component is starting and which is ready, then one line with the URL to open
    # (issue 12; bench/startup/ measures the times recorded in run/startup.json).
    first_output = second.output()
    for line in (
        "first start: creating the instance",
        "init: migrate done in",
        "init: roles and admin user done in",
        "ready: api-server",
        "ready: scheduler",
        "ready: dag-processor",
        "ready: triggerer",
        "ready: log-server",
        "ready: dag-validator",
        "ready: sla-monitor",
        "ready: model-server",
        "ready: celery-worker-1",
        "ready: celery-worker-2",
        f"wfo is up: ready at  http://localhost:{port}",
        "WFO_HOST=0.0.0.0",
    ):
        assert line in first_output, f"{line!r} not in the console output:\n{first_output}"
    phases = {p["phase"]: p for p in json.loads((home / "run" / "startup.json").read_text())["phases"]}
    assert phases["init: migrate"].get("cpu_seconds") is not None and "UI ready" in phases

    # A random admin password, printed once and kept in a 0600 file.
    printed = re.search(r"password:\s+(\S+)", first_output)
    assert printed, first_output
    password_file = home / "admin-password.txt"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text().strip() == printed.group(1)
    second.admin_password = printed.group(1)
    assert second.request("GET", "/wfo/api/v1/me", token=second.token()).json()["username"] == "admin"
    # ... and in no log file (init.log had it in clear), all of ours private.
    logs = [path for path in (home / "logs").rglob("*") if path.is_file()]
    assert home / "logs" / "wfo" / "init.log" in logs
    assert [str(path) for path in logs if printed.group(1).encode() in path.read_bytes()] == []
    for log in (home / "logs" / "wfo").glob("*.log"):
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log
    # With the default WFO_HOST (localhost), nothing of the instance listens beyond this machine.
    assert _listeners_off_loopback(home) == []
    # Behind the trusted TLS proxy, cookies are Secure and the client's address is the forwarded one.
    plain = second.request("GET", "/auth/login/")
    proxied = second.request(
        "GET", "/auth/login/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.23"}
    )
    assert "secure" not in _cookie_attributes(plain.headers["set-cookie"])
    assert "secure" in _cookie_attributes(proxied.headers["set-cookie"])
    via_proxy = second.request(
        "POST",
        "/auth/token",
        json_body={"username": "nobody", "password": "x"},
        headers={"X-Forwarded-For": "198.51.100.23"},
    )
    assert via_proxy.status == 401
    events = second.request(
        "GET", "/wfo/api/v1/audit/events?action=session.login", token=second.token()
    ).json()
    seen = {(e["user"], e["outcome"], e["source_ip"]) for e in events["events"]}
    assert ("nobody", "failure", "198.51.100.23") in seen
    # Both instances answer on their own port with their own users.
    assert second.request(
        "POST", "/auth/token", json_body={"username": "admin", "password": platform.admin_password}
    ).status in (401, 403)
    fernet_before = (home / "airflow.cfg").read_text().split("fernet_key = ")[1].splitlines()[0]

    # A second api-server process of the instance (as behind a load balancer), booting while the probe
    # below runs: writes through both at once are checked after it.
    other_port = free_port()
    other_log = open(tmp_path / "second-api-server.log", "wb")
    other_api = subprocess.Popen(
        [WFO, "airflow", "api-server", "--host", "127.0.0.1", "--port", str(other_port)], env=second.env(),
        stdout=other_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    request.addfinalizer(lambda: _end(other_api))

    # Production settings are the same program: the API, the DAG processor and a task on PostgreSQL,
    # run by a Celery worker; `wfo status --json` lists each worker with its pid (the Contract).
    assert second.config_value("database", "sql_alchemy_conn") == db_url
    assert second.config_value("core", "executor") == "CeleryExecutor"
    workers = _status_components(second, "celery-worker")
    assert sorted(workers) == ["celery-worker-1", "celery-worker-2"]
    assert all(w["pid"] and w["state"] == "running" for w in workers.values()), workers
    url = "https://bi.example.com/on-postgres"
    second.api("PUT", "/visualisations", json_body={"url": url}, expected=(200,))
    out = tmp_path / "env.json"
    second.deploy_dag("wfo_pg_probe.py", env_dump_dag("wfo_pg_probe", out))
    assert second.trigger_and_wait("wfo_pg_probe") == "success"
    worker_logs = "".join((home / "logs" / "wfo" / f"{name}.log").read_text() for name in workers)
    assert "wfo_pg_probe" in worker_logs, "no Celery worker ran the task"

    # Two api-server processes writing at once: twelve uploads of one code artifact, half through each,
    # all at the same time, give twelve versions (none lost to the manifest's read-modify-write); two
    # creations of one DAG file give one file and one 409.
    other = Platform(home=home, port=other_port, admin_password=second.admin_password)
    _wait_for(lambda: _answers(other), 300, "the second api-server did not answer", second)
    contents = [f"print('writer {n}')\n".encode() for n in range(12)]

    def upload(n: int) -> int:
        target = (second, other)[n % 2]
        done = target.upload("/wfo/api/v1/code-artifacts", [("shared_job.py", contents[n])])
        return done.status

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert sorted(pool.map(upload, range(12))) == [200] * 12
    detail = other.api("GET", "/code-artifacts/shared_job.py", expected=(200,)).json()
    assert detail["latest"] == 12
    assert sorted(v["sha256"] for v in detail["versions"]) == sorted(
        hashlib.sha256(c).hexdigest() for c in contents
    )

    def create(target: Platform) -> int:
        body = {"content": f"# made through port {target.port}\n", "base_revision": None}
        return target.api("PUT", "/dag-files/both_at_once.py", json_body=body).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(create, (second, other))) == [200, 409]
    os.killpg(other_api.pid, signal.SIGKILL)  # not part of `wfo up`: nothing to stop gracefully
    other_api.wait(timeout=30)

    # Chaos, bounded: while a ledger DAG runs (each task appends (run, task, try) to a table), a worker
    # and the scheduler are killed with SIGKILL (wfo up starts them again, with what they left behind
    # killed), the broker restarts, and PostgreSQL refuses connections for a few seconds. Every task
    # ends in success, none is lost; duplicates (a task that ran again after its worker died or its
    # state could not be reported) are counted and reported.
    second.deploy_dag("wfo_ledger.py", LEDGER_DAG.format(ledger=ledger, tasks=LEDGER_TASKS))
    run_id = second.trigger("wfo_ledger")
    chaos_started = time.monotonic()
    _wait_for(lambda: len(_ledger_rows(ledger, run_id)) >= 2, 180, "no ledger task ran", second)
    # Four tasks at a time, three seconds each: most of the run is still ahead when the chaos begins.
    assert len(_ledger_rows(ledger, run_id)) < LEDGER_TASKS - 4
    for name in (_busiest_worker(home), "scheduler"):
        before = _component_pid(home, name)
        os.kill(before, signal.SIGKILL)
        restarted = lambda name=name, before=before: _component_pid(home, name) != before  # noqa: E731
        _wait_for(restarted, 60, f"{name} not restarted", second)
        assert f"component '{name}' exited with code -9; starting it again" in second.output()
    redis.restart(down_seconds=2)
    pg.cut()
    time.sleep(3)
    pg.restore()
    _assert_ledger_complete(second, database, ledger, run_id, chaos_started, "chaos ledger (Redis)")
    out.unlink()
    assert second.trigger_and_wait("wfo_pg_probe") == "success"

    # A task's queue reaches the workers of that queue: a worker joined with `wfo worker --queues edge`
    # (as on a cluster's edge node) runs the task of queue "edge"; the platform's workers do not take it.
    edge_log = open(tmp_path / "edge-worker.log", "wb")
    edge = subprocess.Popen(
        [WFO, "worker", "--name", "edge-worker", "--queues", "edge"], env=second.env(),
        stdout=edge_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    request.addfinalizer(lambda: _end(edge))
    _wait_for(
        lambda: b"edge-worker@" in (tmp_path / "edge-worker.log").read_bytes(), 120, "edge worker", second
    )
    second.deploy_dag("wfo_edge_probe.py", EDGE_DAG)
    assert second.trigger_and_wait("wfo_edge_probe") == "success"
    assert "wfo_edge_probe" in (tmp_path / "edge-worker.log").read_text(errors="replace")
    platform_workers = "".join((home / "logs" / "wfo" / f"{name}.log").read_text() for name in workers)
    assert "wfo_edge_probe" not in platform_workers
    _end(edge)

    # SIGTERM stops everything, children of children included.
    assert second.stop() == 0
    assert "wfo: stopped." in second.output()
    # The api-server ended on SIGTERM by itself, not by the SIGKILL at the end of the grace period.
    assert not re.search(r"killed after the grace period: .*api-server", second.output())
    assert _wait_gone(home, timeout=1.0) == []
    # The broker's password is in the 0600 airflow.cfg and in what `wfo env` prints for workers; in no
    # log (the platform's, the workers', the tasks'), nor what `wfo status` and `wfo settings` show.
    leaking = [str(path) for path in home.rglob("*") if path.is_file() and path != home / "airflow.cfg"
               and broker_canary.encode() in path.read_bytes()]  # fmt: skip
    assert leaking == [] and broker_canary not in second.output()
    for command in ("status", "settings"):
        shown = subprocess.run([WFO, command], env=second.env(), capture_output=True, text=True)
        assert broker_canary not in shown.stdout + shown.stderr, command
    exported = subprocess.run([WFO, "env"], env=second.env(), capture_output=True, text=True, check=True)
    assert f"AIRFLOW__CELERY__BROKER_URL={redis.url}" in exported.stdout

    # Restart: same secrets, no password shown again, and nothing changed since the first start: no
    # migration, no role sync. (With WFO_RESTARTS=0 a death stops the platform: checked below.)
    second.output_path.unlink()  # type: ignore[union-attr]
    rabbit_started.result()
    second.start(**{**env, "WFO_BROKER_URL": rabbit.url}, WFO_RESTARTS="0")
    later_output = second.output()
    assert "password:" not in later_output and "first start" not in later_output
    assert "init: migrate done in" in later_output
    assert "(skipped: the database is at its head revisions)" in later_output
    assert "(skipped: roles and users unchanged since the last sync)" in later_output
    fernet_after = (home / "airflow.cfg").read_text().split("fernet_key = ")[1].splitlines()[0]
    assert fernet_after == fernet_before
    assert second.request("GET", "/wfo/api/v1/me", token=second.token()).status == 200
    # The executor and workers were kept in the instance's config (no flags this time).
    assert sorted(_status_components(second, "celery-worker")) == ["celery-worker-1", "celery-worker-2"]

    # The broker is now RabbitMQ (WFO_BROKER_URL changed for this start). It restarts while a ledger run is
    # in flight (durable queues and persistent messages kept, every connection dropped): nothing is lost,
    # and no component dies of it (WFO_RESTARTS=0 here: a death would stop the platform).
    assert second.config_value("celery", "broker_url") == rabbit.url
    run_id = second.trigger("wfo_ledger")
    chaos_started = time.monotonic()
    _wait_for(lambda: _ledger_rows(ledger, run_id), 180, "no ledger task ran on RabbitMQ", second)
    rabbit.restart(down_seconds=2)
    _assert_ledger_complete(second, database, ledger, run_id, chaos_started, "chaos ledger (RabbitMQ)")
    assert "exited" not in second.output()

    # Without restarts, a component that dies stops the platform: named, the others stopped, exit 1.
    os.kill(_component_pid(home, "scheduler"), signal.SIGKILL)
    assert second.process is not None
    assert second.process.wait(timeout=60) == 1
    assert "component 'scheduler' exited" in second.output()
    assert _wait_gone(home) == []
    # The session's platform was not disturbed.
    assert platform.request("GET", "/api/v2/monitor/health").status == 200

    # What the instance wrote is in PostgreSQL, and the task never saw the database URL.
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT username, action, object_id, outcome FROM wfo_audit_event")
        assert ("admin", "visualisation.update", url, "success") in cur.fetchall()
        cur.execute("SELECT value FROM wfo_setting WHERE key = 'visualisations.dashboard_url'")
        assert json.loads(cur.fetchone()[0]) == url
        cur.execute("SELECT count(*) FROM ab_user")
        assert cur.fetchone()[0] == 1
    task_env = json.loads(out.read_text())
    assert not [k for k, v in task_env.items() if database in v or db_url in v], "the task saw the DB URL"
    assert not [k for k, v in task_env.items() if redis.url in v], "the task saw the broker URL"

    # A database migrated by a newer version (a revision these scripts do not know): `wfo up` refuses
    # with the reason alone, starts nothing, and leaves the database as it was.
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version_wfo")
        (head,) = cur.fetchone()
        cur.execute("UPDATE alembic_version_wfo SET version_num = 'ffffffffffff'")
    refused = subprocess.run(
        [WFO, "up", "--port", str(port)], env={**second.env(), **env}, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert refused.returncode != 0
    assert (
        "wfo: not started: the database's `alembic_version_wfo` is at revision ffffffffffff" in refused.stderr
    )
    assert "Traceback" not in refused.stderr
    assert _wait_gone(home) == []
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version_wfo")
        assert cur.fetchall() == [("ffffffffffff",)]
        cur.execute("UPDATE alembic_version_wfo SET version_num = %s", (head,))


def test_second_up_on_the_same_home_is_refused(platform: Platform) -> None:
    result = subprocess.run(
        [WFO, "up", "--port", str(free_port())],
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "already running" in result.stderr
    assert platform.request("GET", "/api/v2/monitor/health").status == 200


def test_bad_port_is_refused_with_a_message(tmp_path: Path) -> None:
    env = {**os.environ, "WFO_HOME": str(tmp_path / "h")}
    result = subprocess.run(
        [WFO, "up", "--port", "70000"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "out of range" in result.stderr
    assert not (tmp_path / "h" / "airflow.cfg").exists()
