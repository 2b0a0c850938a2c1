"""The `wfo` command: `up`, `status`, `env`, `airflow ...` (one module per command group)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
from pathlib import Path

from wfo.cli.dags import add_parser as add_dags_parser
from wfo.settings import Settings, SettingsError, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    env = dict(os.environ)
    if getattr(args, "home", None):
        env["WFO_HOME"] = args.home
    if getattr(args, "port", None):
        env["WFO_PORT"] = str(args.port)
    for option in ("executor", "workers", "schedulers", "queues"):
        value = getattr(args, option, None)
        if value is not None:
            env["WFO_WORKER_QUEUES" if option == "queues" else f"WFO_{option.upper()}"] = str(value)
    try:
        return load_settings(env)
    except SettingsError as exc:
        raise SystemExit(f"wfo: {exc}") from None


def cmd_up(args: argparse.Namespace) -> int:
    from wfo.cli.up import up

    return up(_settings(args))


def cmd_status(args: argparse.Namespace) -> int:
    from wfo.cli.status import print_report, status_report

    code, report = status_report(_settings(args))
    if getattr(args, "json", False):
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return code


def cmd_env(args: argparse.Namespace) -> int:
    from wfo.cli.airflow_config import worker_exports

    settings = _settings(args)
    if not settings.airflow_cfg.is_file():
        raise SystemExit(f"wfo: {settings.airflow_cfg} does not exist yet; run `wfo up` once first")
    print("# Export these on a worker host to join this wfo instance (contains a secret: keep it private).")
    for name, value in worker_exports(settings).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """A Celery worker on this host for the instance `wfo env` describes (exported in this shell)."""
    import socket

    from wfo.cli.up import celery_worker_argv

    settings = _settings(args)
    if not os.environ.get("AIRFLOW__CELERY__BROKER_URL") and not settings.airflow_cfg.is_file():
        raise SystemExit(
            "wfo: no broker: export what `wfo env` prints on the platform's host (it names the broker, the"
            " execution API and the keys a worker needs), then run `wfo worker` again"
        )
    name = args.name or f"celery-worker-{socket.gethostname()}"
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    if settings.airflow_cfg.is_file():
        # The instance's own home: its 0600 airflow.cfg holds the broker (tasks never see it) and wfo's
        # log-server already serves this host's task logs.
        from wfo.cli.airflow_config import child_environment

        argv = celery_worker_argv(settings, name)
        os.execve(argv[0], argv, child_environment(settings))
    # Another host, configured by the exports of `wfo env` (its tasks inherit them: docs/production.md);
    # the worker serves its task logs itself.
    argv = celery_worker_argv(settings, name, serve_logs=True)
    os.execve(argv[0], argv, dict(os.environ))
    return 0  # pragma: no cover - execve does not return


def cmd_airflow(args: argparse.Namespace) -> int:
    from wfo.cli.airflow_config import child_environment, write_config

    settings = _settings(args)
    if not settings.airflow_cfg.is_file():
        write_config(settings)
    env = child_environment(settings)
    airflow = str(Path(sys.executable).parent / "airflow")
    os.execve(airflow, [airflow, *args.airflow_args], env)
    return 0  # pragma: no cover - execve does not return


def cmd_settings(args: argparse.Namespace) -> int:
    settings = _settings(args)
    shown = dataclasses.asdict(settings)
    shown["admin_password"] = "***" if settings.admin_password else ""
    if settings.database_url:
        shown["database_url"] = "*** (set)"
    for key in ("broker_url", "result_backend"):
        shown[key] = _without_password(shown[key])
    print(json.dumps(shown, indent=2, default=str))
    return 0


def _without_password(url: str) -> str:
    """`redis://:***@host:6379/0`: a URL as shown, its password (if any) hidden."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wfo", description="wfo: Spark and ML workflows on Apache Airflow.")
    parser.add_argument("--home", help="instance folder (default: $WFO_HOME or ~/.wfo)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the platform (api-server, scheduler, dag-processor, triggerer)")
    up.add_argument("--port", type=int, help="UI/API port (default 8080); log-server ports move with it")
    up.add_argument(
        "--executor", help="local (default) or celery (needs WFO_DATABASE_URL=postgresql://... and a broker)"
    )
    up.add_argument("--workers", type=int, help="Celery workers on this host (default 2; WFO_WORKERS)")
    up.add_argument("--schedulers", type=int, help="schedulers (default 1; more need PostgreSQL)")
    up.add_argument("--queues", help="queues the Celery workers consume, comma-separated (default: default)")
    up.set_defaults(func=cmd_up)

    worker = sub.add_parser("worker", help="join a Celery worker on this host (after exporting `wfo env`)")
    worker.add_argument("--name", help="the worker's Celery node name (default celery-worker-<host>)")
    worker.add_argument("--queues", help="queues to consume, comma-separated (default: default)")
    worker.set_defaults(func=cmd_worker)

    status = sub.add_parser("status", help="tell whether the platform runs and what it runs")
    status.add_argument(
        "--json", action="store_true", help="print one JSON object (components with state and url)"
    )
    status.set_defaults(func=cmd_status)

    env = sub.add_parser("env", help="print what a worker on another host must export")
    env.set_defaults(func=cmd_env)

    settings = sub.add_parser("settings", help="print the resolved settings (secrets hidden)")
    settings.set_defaults(func=cmd_settings)

    airflow = sub.add_parser("airflow", help="run the Airflow CLI against this instance's configuration")
    airflow.add_argument("airflow_args", nargs=argparse.REMAINDER)
    airflow.set_defaults(func=cmd_airflow)
    add_dags_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
