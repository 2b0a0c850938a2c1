"""`wfo up`: configure the instance, run the init step, start and supervise Airflow's components."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wfo.cli import processes
from wfo.cli.airflow_config import child_environment, write_config
from wfo.cli.supervisor import Component, Supervisor, is_forwarded_task_output, open_private_log
from wfo.dagfiles.validation import scrubbed_environment, server_argv
from wfo.extras import MissingExtraError, require_extra
from wfo.settings import Settings

STATE_FILE = processes.STATE_FILE


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def api_server(settings: Settings, env: dict[str, str]) -> Component:
    """The api-server on the configured address; proxy headers believed only from trusted proxies."""
    argv = [airflow_bin(), "api-server", "--host", settings.host, "--port", str(settings.port)]
    own_env = None
    if settings.trusted_proxies:
        # uvicorn then takes the client address and the scheme (https) from X-Forwarded-* headers,
        # but only when the connection comes from one of these.
        argv.append("--proxy-headers")
        own_env = {**env, "FORWARDED_ALLOW_IPS": ",".join(settings.trusted_proxies)}
    return Component("api-server", argv, settings.logs_dir / "wfo" / "api-server.log", env=own_env)


def components(settings: Settings, env: dict[str, str] | None = None) -> list[Component]:
    airflow = airflow_bin()
    logs = settings.logs_dir / "wfo"
    return [
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
        Component("log-server", [sys.executable, "-m", "wfo.cli.log_server"], logs / "log-server.log"),
        # Pre-imported DAG validator (DESIGN §9): the first upload is checked in ~0.1 s, not ~5 s.
        # Its environment is scrubbed: uploaded code runs in its forks and must not see secrets.
        Component(
            "dag-validator",
            server_argv(settings, parent_pid=os.getpid(), wait_for_lock=True),
            logs / "validator.log",
            env=scrubbed_environment(settings.home),
        ),
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


def run_init(settings: Settings, env: dict[str, str]) -> dict[str, Any]:
    """Run the init step in a fresh interpreter configured by AIRFLOW_HOME; return its report.

    The report never holds the generated admin password (it is in admin-password.txt, 0600), so
    nothing the init step prints, and nothing in init.log, can leak it.
    """
    log_path = settings.logs_dir / "wfo" / "init.log"
    password = os.environ.get("WFO_ADMIN_PASSWORD", "")
    proc = subprocess.run(
        [sys.executable, "-m", "wfo.cli.initialize"],
        env=env,
        input=(password + "\n").encode(),
        capture_output=True,
        check=False,
    )
    with open_private_log(log_path, append=False) as log:
        log.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).decode(errors="replace").splitlines()[-25:]
        raise SystemExit("wfo: the init step (DB migration, roles, admin user) failed:\n" + "\n".join(tail))
    for line in proc.stdout.decode(errors="replace").splitlines():
        if line.startswith("WFO_INIT "):
            report: dict[str, Any] = json.loads(line.removeprefix("WFO_INIT "))
            return report
    return {}


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


def wait_until_healthy(
    settings: Settings, supervisor: Supervisor, timeout: float = 180.0
) -> Component | None:
    """Wait for the api-server to answer; returns a component that died meanwhile, if any."""
    url = f"{settings.internal_url}/api/v2/monitor/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = supervisor.first_dead()
        if dead is not None or supervisor._stop_requested is not None:
            return dead
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    warm_up_execution_api(settings, max(deadline - time.monotonic(), 5.0))
                    return None
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    print(f"wfo: the api-server did not answer on {url} within {timeout:.0f} s", file=sys.stderr)
    return None


def write_state(settings: Settings, comps: list[Component]) -> Path:
    state = {
        "pid": os.getpid(),
        "port": settings.port,
        "url": settings.base_url,
        "home": str(settings.home),
        "started": time.time(),
        "components": {c.name: c.pid for c in comps},
    }
    path = settings.run_dir / STATE_FILE
    path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return path


def generated_password(settings: Settings) -> str:
    try:
        return settings.admin_password_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        return f"(could not read {settings.admin_password_file}: {exc.strerror})"


def print_banner(settings: Settings, report: dict[str, Any]) -> None:
    lines = ["", f"  wfo is up:  {settings.base_url}", f"  home:       {settings.home}"]
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


def up(settings: Settings) -> int:
    for extra, feature in required_extras(settings):
        try:
            require_extra(extra, feature)
        except MissingExtraError as exc:
            raise SystemExit(f"wfo: {exc}") from None
    with instance_lock(settings):
        write_config(settings)
        env = child_environment(settings)
        print(f"wfo: preparing {settings.home} (database migration, roles) ...", flush=True)
        report = run_init(settings, env)
        comps = components(settings, env)
        supervisor = Supervisor(comps, env)
        previous = {
            sig: signal.signal(sig, supervisor.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        state_path: Path | None = None
        try:
            supervisor.start_all()
            state_path = write_state(settings, comps)
            print(f"wfo: starting {', '.join(c.name for c in comps)} ...", flush=True)
            dead = wait_until_healthy(settings, supervisor)
            if dead is None and supervisor._stop_requested is None:
                print_banner(settings, report)
                dead = supervisor.wait()
            if dead is not None:
                print(
                    f"wfo: component '{dead.name}' exited with code {dead.exit_code()}; stopping the others.\n"
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
