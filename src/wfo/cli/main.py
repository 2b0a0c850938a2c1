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
    print(json.dumps(shown, indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wfo", description="wfo: Spark and ML workflows on Apache Airflow.")
    parser.add_argument("--home", help="instance folder (default: $WFO_HOME or ~/.wfo)")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the platform (api-server, scheduler, dag-processor, triggerer)")
    up.add_argument("--port", type=int, help="UI/API port (default 8080); log-server ports move with it")
    up.set_defaults(func=cmd_up)

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
