"""`wfo up`: configure the instance, run the init step, start and supervise Airflow's components."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from wfo.cli import processes
from wfo.cli.airflow_config import child_environment, write_config
from wfo.cli.initialize import REFUSED_PREFIX
from wfo.cli.supervisor import Component, Supervisor, is_forwarded_task_output, open_private_log
from wfo.dagfiles.validation import scrubbed_environment, server_argv
from wfo.extras import MissingExtraError, require_extra
from wfo.serving.config import serving_config
from wfo.settings import WILDCARD_HOSTS, Settings
from wfo.sla.component import READY_FILE

STATE_FILE = processes.STATE_FILE
# Per-phase durations of the last start (read by bench/startup/run.py).
TIMINGS_FILE = "startup.json"
# Started before the init step: they need neither the database nor each other (spare core while it runs).
NO_DATABASE = ("log-server", "dag-validator")
SLA_MONITOR_LOG = "sla-monitor.log"


class StartClock:
    """Progress of one start: prints `wfo: [  12.3 s] <what>` and keeps the phases for startup.json."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.phases: list[dict[str, Any]] = []
        self.component_started: dict[str, float] = {}

    def started_components(self, names: list[str] | tuple[str, ...]) -> None:
        self.component_started |= {name: self.elapsed() for name in names}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, text: str) -> None:
        print(f"wfo: [{self.elapsed():6.1f} s] {text}", flush=True)

    def record(self, phase: str, seconds: float, **info: Any) -> None:
        self.phases.append(
            {"phase": phase, "seconds": round(seconds, 2), "at": round(self.elapsed(), 2), **info}
        )


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def api_server(settings: Settings, env: dict[str, str]) -> Component:
    """The api-server on the configured address; proxy headers believed only from trusted proxies."""
    argv = [airflow_bin(), "api-server", "--host", settings.host, "--port", str(settings.port)]
    own_env = api_server_environment(settings, env)
    if settings.trusted_proxies:
        # uvicorn then takes the client address and the scheme (https) from X-Forwarded-* headers,
        # but only when the connection comes from one of these.
        argv.append("--proxy-headers")
        own_env = {**own_env, "FORWARDED_ALLOW_IPS": ",".join(settings.trusted_proxies)}
    return Component(
        "api-server", argv, settings.logs_dir / "wfo" / "api-server.log", env=own_env, url=settings.base_url
    )


def api_server_environment(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """Without WFO_PUBLIC_URL the api-server gets `[api] base_url` as a path only ("/").

    Airflow 3.3 builds its login and logout redirects (FAB's `get_url_login`, the index view) by joining
    `[api] base_url` with `/auth/login/`; an absolute `http://localhost:8080` sent a user who opened the UI
    by IP or host name to localhost after login, and a deep link then failed FAB's same-host check for
    `next` and landed on Home. A path keeps every redirect on the host the user came with (Airflow's own
    default leaves base_url unset for the same reason). Tasks and the scheduler keep the absolute URL
    from airflow.cfg for the links they write (task log URLs, the DagOperator's run link).
    """
    if settings.public_url:
        return env  # the admin named the URL (e.g. https behind a proxy): redirects go there
    return {**env, "AIRFLOW__API__BASE_URL": "/"}


def components(settings: Settings, env: dict[str, str] | None = None) -> list[Component]:
    airflow = airflow_bin()
    logs = settings.logs_dir / "wfo"
    return (
        [
            api_server(settings, env if env is not None else dict(os.environ)),
            # Their built-in log servers listen on every interface: ours (below) binds to WFO_HOST.
            Component(
                "scheduler",
                [airflow, "scheduler", "--skip-serve-logs"],
                logs / "scheduler.log",
                drop_line=is_forwarded_task_output,
            ),
            Component("dag-processor", [airflow, "dag-processor"], logs / "dag-processor.log"),
            Component("triggerer", [airflow, "triggerer", "--skip-serve-logs"], logs / "triggerer.log"),
            Component("log-server", [sys.executable, "-P", "-m", "wfo.cli.log_server"], logs / "log-server.log"),
            # Pre-imported DAG validator (DESIGN §9): the first upload is checked in ~0.1 s, not ~5 s.
            # Its environment is scrubbed: uploaded code runs in its forks and must not see secrets.
            Component(
                "dag-validator",
                server_argv(settings, parent_pid=os.getpid(), wait_for_lock=True),
                logs / "validator.log",
                env=scrubbed_environment(settings.home),
            ),
            # Task SLAs (wfo.sla): reads the metadata DB, records misses, notifies; never runs DAG code itself.
            Component("sla-monitor", [sys.executable, "-P", "-m", "wfo.sla.component"], logs / SLA_MONITOR_LOG),
            # Models and datasets (wfo.serving): its own port (--port + 4000), reads the object store only.
            Component(
                "model-server",
                [sys.executable, "-P", "-m", "wfo.serving.component"],
                logs / "model-server.log",
                url=serving_config(settings).public_url,
            ),
        ]
        + extra_schedulers(settings)
        + celery_workers(settings)
        + notebook_hub(settings)
        + spark_connect_server(settings)
    )


def extra_schedulers(settings: Settings) -> list[Component]:
    """Airflow's HA schedulers beyond the first (WFO_SCHEDULERS, PostgreSQL): they share the work through
    row locks (`SELECT ... FOR UPDATE SKIP LOCKED`), any one of them may die."""
    return [
        Component(
            f"scheduler-{number}",
            [airflow_bin(), "scheduler", "--skip-serve-logs"],
            settings.logs_dir / "wfo" / f"scheduler-{number}.log",
            drop_line=is_forwarded_task_output,
        )
        for number in range(2, settings.schedulers + 1)
    ]


def celery_worker_name(number: int) -> str:
    return f"celery-worker-{number}"


def celery_worker_argv(settings: Settings, name: str, *, serve_logs: bool = False) -> list[str]:
    """`airflow celery worker` for one of wfo's workers: its own Celery node name and pid file (several
    run on one host), the configured queues and concurrency; logs served by wfo's log-server."""
    argv = [
        airflow_bin(), "celery", "worker",
        "--celery-hostname", f"{name}@{socket.gethostname()}",
        "--concurrency", str(settings.worker_concurrency),
        "--queues", ",".join(settings.worker_queues),
        "--pid", str(settings.run_dir / f"{name}.pid"),
    ]  # fmt: skip
    return argv if serve_logs else [*argv, "--skip-serve-logs"]


def celery_workers(settings: Settings) -> list[Component]:
    """With the Celery executor, WFO_WORKERS workers on this host (more join from others: `wfo worker`)."""
    if not settings.celery:
        return []
    return [
        Component(
            name,
            celery_worker_argv(settings, name),
            settings.logs_dir / "wfo" / f"{name}.log",
            drop_line=is_forwarded_task_output,
        )
        for name in (celery_worker_name(n) for n in range(1, settings.workers + 1))
    ]


def scale_out_refusal(settings: Settings) -> str | None:
    """Why these settings cannot start (the Celery executor or HA schedulers on SQLite), else None."""
    if not settings.sql_alchemy_conn.startswith("sqlite"):
        return None
    if settings.celery:
        return (
            "the Celery executor needs PostgreSQL: set WFO_DATABASE_URL=postgresql://... (SQLite takes one "
            "writer at a time and workers on other hosts could not share it); see docs/production.md"
        )
    if settings.schedulers > 1:
        return (
            f"{settings.schedulers} schedulers need PostgreSQL (WFO_DATABASE_URL=postgresql://...): they "
            "share the work through row locks, which SQLite does not have; see docs/production.md"
        )
    return None


def spark_connect_server(settings: Settings) -> list[Component]:
    """The Spark Connect server (wfo.sparkconnect) unless WFO_SPARK_CONNECT=off; its JVM starts lazily."""
    from wfo.sparkconnect.local import LOG_NAME

    if settings.spark_connect == "off":
        return []
    argv = [sys.executable, "-P", "-m", "wfo.sparkconnect.server"]
    return [Component("spark-connect", argv, settings.logs_dir / "wfo" / LOG_NAME)]


def notebook_hub(settings: Settings) -> list[Component]:
    """JupyterHub (wfo.hub) unless WFO_JUPYTER=off; left out, with a warning, where it cannot start."""
    from wfo.hub import component as hub

    if not settings.jupyter:
        return []
    reason = hub.unavailable_reason()
    if reason is not None:
        print(f"wfo: WARNING: the notebook hub is not started: {reason}", file=sys.stderr, flush=True)
        return []
    return [
        Component(
            "jupyterhub",
            hub.argv(settings),
            settings.logs_dir / "wfo" / hub.LOG_NAME,
            url=hub.public_url(settings),
        )
    ]


@contextlib.contextmanager
def instance_lock(settings: Settings) -> Iterator[None]:
    """One `wfo up` per home: a second one would corrupt the other's state file and ports."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    handle = open(settings.run_dir / "wfo.lock", "w")  # held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SystemExit(f"wfo is already running for {settings.home} (see `wfo status`)") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def run_init(
    settings: Settings,
    env: dict[str, str],
    clock: StartClock | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> dict[str, Any]:
    """Run the init step in a fresh interpreter configured by AIRFLOW_HOME; return its report.

    Its phases (`WFO_PHASE` lines) are shown as they end. The report never holds the generated admin
    password (it is in admin-password.txt, 0600), so nothing the init step prints, and nothing in
    init.log, can leak it.
    """
    clock = clock or StartClock()
    log_path = settings.logs_dir / "wfo" / "init.log"
    password = os.environ.get("WFO_ADMIN_PASSWORD", "")
    report: dict[str, Any] = {}
    refused = ""
    lines: list[bytes] = []
    with open_private_log(log_path, append=False) as log:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "wfo.cli.initialize"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if on_start is not None:
            on_start(proc)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((password + "\n").encode())
        proc.stdin.close()
        for line in proc.stdout:
            log.write(line)
            lines.append(line)
            text = line.decode(errors="replace").strip()
            if text.startswith("WFO_PHASE "):
                entry = json.loads(text.removeprefix("WFO_PHASE "))
                clock.record(
                    f"init: {entry['phase']}", entry["seconds"], cpu_seconds=entry.get("cpu_seconds")
                )
                result = f" ({entry['result']})" if entry.get("result") else ""
                clock.say(f"init: {entry['phase']} done in {entry['seconds']:.1f} s{result}")
            elif text.startswith("WFO_INIT "):
                report = json.loads(text.removeprefix("WFO_INIT "))
            elif text.startswith(REFUSED_PREFIX):
                refused = text.removeprefix(REFUSED_PREFIX)
        returncode = proc.wait()
    if refused:
        raise SystemExit(f"wfo: not started: {refused}")
    if returncode != 0:
        tail = b"".join(lines).decode(errors="replace").splitlines()[-25:]
        raise SystemExit("wfo: the init step (DB migration, roles, admin user) failed:\n" + "\n".join(tail))
    return report


def warm_up_execution_api(settings: Settings, timeout: float) -> None:
    """Make the api-server build its task execution API now, not on the first task's first call.

    That API (Cadwyn) generates its versioned routes on its first request, on the event loop: seconds
    of CPU (≈ 20 s seen on a loaded 2-core machine) during which the whole api-server stalls and the
    first task's start call times out and fails.
    """
    try:
        with urllib.request.urlopen(f"{settings.internal_url}/execution/health", timeout=timeout):
            pass
    except (urllib.error.URLError, OSError):
        pass  # a failure here is the first task's problem again, not a reason to stop


def _health(settings: Settings) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{settings.internal_url}/api/v2/monitor/health", timeout=2) as response:
            if response.status == 200:
                found: dict[str, Any] = json.loads(response.read())
                return found
    except (urllib.error.URLError, OSError, ValueError):
        pass
    return None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _accepts(address: tuple[str, int] | str) -> bool:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    if not isinstance(address, str) and ":" in address[0]:
        family = socket.AF_INET6
    try:
        with socket.socket(family, socket.SOCK_STREAM) as conn:
            conn.settimeout(1)
            conn.connect(address)
    except OSError:
        return False
    return True


# The part of Airflow's health answer that says a component is up (heartbeat recent).
_HEALTH_PARTS = {"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"}


def ready_checks(settings: Settings, started: dict[str, Component] | None = None) -> dict[str, Any]:
    """Component name -> a check of the health answer (None before the api-server answers) -> ready.

    `started`: the components by name (a check may read what one logged since its start)."""
    from wfo.dagfiles.validation import socket_path

    local = "127.0.0.1" if settings.host in WILDCARD_HOSTS else settings.host

    def part_healthy(part: str) -> Any:
        return lambda health: bool(health) and (health.get(part) or {}).get("status") == "healthy"

    checks: dict[str, Any] = {"api-server": lambda health: health is not None}
    checks |= {name: part_healthy(part) for name, part in _HEALTH_PARTS.items()}
    checks |= {f"scheduler-{n}": part_healthy("scheduler") for n in range(2, settings.schedulers + 1)}
    for number in range(1, settings.workers + 1 if settings.celery else 1):
        name = celery_worker_name(number)
        component = (started or {}).get(name)
        checks[name] = _celery_ready(component, f"{name}@") if component else (lambda _health: False)
    checks["log-server"] = lambda _health: _accepts((local, settings.worker_log_server_port))
    checks["dag-validator"] = lambda _health: _accepts(str(socket_path(settings)))
    checks["sla-monitor"] = lambda _health: _ready_file_alive(settings.run_dir / READY_FILE)
    checks["jupyterhub"] = lambda _health: hub_ready(settings)
    # Ready once its control socket answers (the JVM itself starts on first use unless WFO_SPARK_CONNECT=on).
    checks["spark-connect"] = lambda _health: _accepts(str(settings.run_dir / "spark-connect.sock"))
    # Ready once a worker has polled the object store (its socket accepts as soon as it is bound).
    checks["model-server"] = lambda _health: _answers(
        f"{serving_config(settings).internal_url}/v2/health/ready"
    )
    return checks


def _celery_ready(component: Component, node: str) -> Any:
    """Ready once the worker logged `<node>@<host> ready.` (connected to the broker, consuming) since its
    start (the log keeps earlier starts)."""

    def check(_health: Any) -> bool:
        try:
            with open(component.log_path, "rb") as handle:
                handle.seek(component.log_start)
                return any(node.encode() in line and b" ready." in line for line in handle)
        except OSError:
            return False

    return check


def hub_ready(settings: Settings) -> bool:
    from wfo.hub.component import ready

    return ready(settings)


def _ready_file_alive(path: Path) -> bool:
    """The sla-monitor wrote its pid once connected to the database, and that process still runs it."""
    import psutil

    try:
        proc = psutil.Process(int(path.read_text(encoding="ascii")))
        return any("wfo.sla.component" in part for part in proc.cmdline())
    except (OSError, ValueError, psutil.Error):
        return False


def _cpu_seconds(component: Component) -> float | None:
    """CPU time used so far by a component's process and its children (psutil)."""
    import psutil

    if component.pid is None:
        return None
    try:
        root = psutil.Process(component.pid)
        total = 0.0
        for proc in (root, *root.children(recursive=True)):
            times = proc.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        return None
    return round(total, 2)


def watch_start(
    settings: Settings,
    supervisor: Supervisor,
    clock: StartClock,
    timeout: float = 300.0,
    only: tuple[str, ...] | None = None,
) -> Component | None:
    """Say which component is ready as each becomes so; return a component that died meanwhile, if any.

    The UI is ready once the api-server answers and has built its task execution API (warmed up in a
    thread: that takes seconds of the api-server's CPU). Returns once everything is ready (or at the
    timeout, naming what is not).
    """
    by_name = {c.name: c for c in supervisor.components}
    checks = ready_checks(settings, by_name)
    waiting = [name for name in by_name if name in checks and (only is None or name in only)]
    waiting += ["UI"] if only is None or "api-server" in only else []
    warm_up: threading.Thread | None = None
    warm_started = 0.0
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        dead = supervisor.first_dead()
        if dead is not None or supervisor._stop_requested is not None:
            return dead
        watched = [by_name[n] for n in waiting if n in by_name]
        if only is not None and watched and not any(c.process for c in watched):
            return None  # the watched components were never started (stopped before)
        started = {name for name, c in by_name.items() if c.process is not None}
        # Not asked while the warm-up runs: the api-server's event loop is busy building that API.
        warming = warm_up is not None and warm_up.is_alive()
        health = _health(settings) if "api-server" in started and not warming else None
        for name in [n for n in waiting if n in started and n in checks]:
            if checks[name](health):
                waiting.remove(name)
                took = clock.elapsed() - clock.component_started.get(name, 0.0)
                clock.record(name, took, cpu_seconds=_cpu_seconds(by_name[name]))
                clock.say(f"ready: {name} ({took:.1f} s after its start)")
                if name == "api-server":
                    warm_up = threading.Thread(
                        target=warm_up_execution_api,
                        args=(settings, max(deadline - time.monotonic(), 5.0)),
                        daemon=True,
                    )
                    warm_up.start()
                    warm_started = clock.elapsed()
        if warm_up is not None and not warm_up.is_alive() and "UI" in waiting:
            waiting.remove("UI")
            clock.record("api-server: execution API warm-up", clock.elapsed() - warm_started)
            clock.record("UI ready", clock.elapsed())
            clock.say(f"ready: the UI at {settings.base_url} (task execution API built)")
        time.sleep(0.3)
    if waiting:
        print(f"wfo: not ready after {timeout:.0f} s: {', '.join(waiting)} (see their logs)", file=sys.stderr)
    return None


def write_state(settings: Settings, comps: list[Component]) -> Path:
    state = {
        "pid": os.getpid(),
        "port": settings.port,
        "url": settings.base_url,
        "home": str(settings.home),
        "started": time.time(),
        "components": {c.name: c.pid for c in comps},
        "urls": {c.name: c.url for c in comps if c.url},
    }
    path = settings.run_dir / STATE_FILE
    path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return path


def generated_password(settings: Settings) -> str:
    try:
        return settings.admin_password_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        return f"(could not read {settings.admin_password_file}: {exc.strerror})"


def url_advice(settings: Settings) -> list[str]:
    """Which URL to open, where it comes from, and how to change it (shown loudly at every start)."""
    if settings.public_url:
        return [f"  (WFO_PUBLIC_URL; the server listens on {settings.host or '0.0.0.0'}:{settings.port})"]
    if settings.host in ("localhost", "127.0.0.1", "::1"):
        return [
            "  Listening on this machine only. To open wfo from other machines, start it with",
            "    WFO_HOST=0.0.0.0 ./run up          (every interface; the URL is then this machine's address)",
            "    WFO_HOST=<this machine's address>  (one interface)",
            "  and WFO_PUBLIC_URL=https://... when users come through a proxy or another name.",
        ]
    if settings.host in WILDCARD_HOSTS:
        return [
            f"  Listening on every interface (WFO_HOST={settings.host or '0.0.0.0'}); the URL above uses this",
            "  machine's address. Set WFO_PUBLIC_URL=http://<name>:<port> if users open it by another name.",
        ]
    return [f"  (WFO_HOST={settings.host}; set WFO_PUBLIC_URL if users open it by another name)"]


def print_banner(settings: Settings, report: dict[str, Any], seconds: float | None = None) -> None:
    took = f"   (started in {seconds:.0f} s)" if seconds is not None else ""
    lines = ["", f"  wfo is up: ready at  {settings.base_url}{took}", *url_advice(settings), ""]
    lines.append(f"  home:       {settings.home}")
    if report.get("admin_created"):
        lines.append(f"  admin user: {report['username']}")
        if report.get("generated"):
            # The console is the one place the password is shown (never a log file).
            lines.append(f"  password:   {generated_password(settings)}")
            lines.append(f"              (shown once; also in {settings.admin_password_file}, mode 0600)")
        else:
            lines.append("  password:   the one given in WFO_ADMIN_PASSWORD")
    if report.get("examples_uploaded"):
        lines.append("  examples:   ExampleSchemaGeneration, ExampleSparkPi, PySpark (ready to trigger)")
    for group, reason in (report.get("config_groups_not_published") or {}).items():
        lines.append(f"  WARNING:    config group {group!r} could not be published for workers: {reason}")
    for old, new in (report.get("config_groups_renamed_invalid_names") or {}).items():
        lines.append(f"  NOTE:       config group {old!r} had an invalid name and was renamed to {new!r}")
    lines += [f"  logs:       {settings.logs_dir / 'wfo'}", "  stop with Ctrl-C", ""]
    print("\n".join(lines), flush=True)


def required_extras(settings: Settings) -> list[tuple[str, str]]:
    """(extra, what needs it) for the optional features the settings turn on."""
    needed = []
    scheme = settings.database_url.split(":", 1)[0].lower()
    if scheme in {"postgres", "postgresql", "postgresql+psycopg2"}:
        needed.append(("postgres", "A PostgreSQL WFO_DATABASE_URL"))
    if "CeleryExecutor" in settings.executor:
        needed.append(("celery", f"WFO_EXECUTOR={settings.executor}"))
    return needed


def write_timings(settings: Settings, clock: StartClock, first_start: bool) -> Path:
    timings = {
        "first_start": first_start,
        "ready_seconds": round(clock.elapsed(), 2),
        "phases": clock.phases,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    path = settings.run_dir / TIMINGS_FILE
    path.write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return path


def up(settings: Settings) -> int:
    for extra, feature in required_extras(settings):
        try:
            require_extra(extra, feature)
        except MissingExtraError as exc:
            raise SystemExit(f"wfo: {exc}") from None
    refusal = scale_out_refusal(settings)
    if refusal is not None:
        raise SystemExit(f"wfo: {refusal}")
    with instance_lock(settings):
        clock = StartClock()
        first_start = not settings.airflow_cfg.is_file()
        kind = "first start: creating" if first_start else "starting"
        print(f"wfo: {kind} the instance in {settings.home}", flush=True)
        write_config(settings)
        env = child_environment(settings)
        comps = components(settings, env)
        supervisor = Supervisor(
            comps,
            env,
            restarts=settings.restarts,
            on_restart=lambda _c: write_state(settings, comps),
            # The api-server asks for its own restart after a change of its login settings (wfo.ldapconfig).
            requests_home=settings.home,
        )
        init_process: list[subprocess.Popen[bytes]] = []

        def stop(signum: int, frame: object = None) -> None:
            supervisor.request_stop(signum, frame)
            for proc in init_process:  # a Ctrl-C during the init step ends it too
                proc.terminate()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        state_path: Path | None = None
        try:
            supervisor.start(NO_DATABASE)
            clock.started_components(NO_DATABASE)
            state_path = write_state(settings, comps)
            clock.say(f"starting {', '.join(NO_DATABASE)} (they need no database)")
            clock.say("init step: database migration, roles, seeds ...")
            early = threading.Thread(
                target=watch_start,
                args=(settings, supervisor, clock),
                kwargs={"only": NO_DATABASE},
                daemon=True,
            )
            early.start()  # says when they are ready, while the init step runs
            report = run_init(settings, env, clock, on_start=init_process.append)
            init_process.clear()
            if supervisor._stop_requested is not None:
                return 0
            later = [c.name for c in comps if c.process is None]
            supervisor.start(later)
            clock.started_components(later)
            state_path = write_state(settings, comps)
            clock.say(f"starting {', '.join(later)} ...")
            dead = watch_start(settings, supervisor, clock, only=tuple(later))
            early.join(timeout=120)  # the log-server and validator: usually ready long before
            if dead is None and supervisor._stop_requested is None:
                write_timings(settings, clock, first_start)
                print_banner(settings, report, clock.elapsed())
                dead = supervisor.wait()
            if dead is not None:
                again = settings.restarts - supervisor.restarts_left(dead.name)
                restarted = f" (after {again} restarts within 10 min)" if again else ""
                print(
                    f"wfo: component '{dead.name}' exited with code {dead.exit_code()}{restarted}; stopping the others.\n"
                    f"--- last lines of {dead.log_path} ---\n{dead.tail()}",
                    file=sys.stderr,
                    flush=True,
                )
            return 1 if dead is not None else 0
        finally:
            print("wfo: stopping ...", flush=True)
            killed = supervisor.stop_all()
            leftovers = processes.kill_instance_processes(settings.home)
            if killed:
                print(f"wfo: killed after the grace period: {', '.join(killed)}", flush=True)
            if leftovers:
                print("wfo: stopped stray processes:\n  " + "\n  ".join(leftovers), flush=True)
            if state_path is not None:
                state_path.unlink(missing_ok=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            print("wfo: stopped.", flush=True)
