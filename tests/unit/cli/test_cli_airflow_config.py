"""The generated airflow.cfg: private, secrets kept across starts, ports follow --port."""

from __future__ import annotations

import configparser
import os
import stat
import sys
from pathlib import Path

from wfo.cli.airflow_config import child_environment, worker_exports, write_config
from wfo.settings import load_settings


def _read(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser


def test_config_is_private_and_keeps_its_secrets(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    cfg_path = write_config(settings)
    assert stat.S_IMODE(cfg_path.stat().st_mode) == 0o600
    first = _read(cfg_path)
    secrets = {
        (s, k): first.get(s, k)
        for s, k in (("core", "fernet_key"), ("api", "secret_key"), ("api_auth", "jwt_secret"))
    }
    assert all(len(v) >= 32 for v in secrets.values())

    moved = load_settings({"WFO_HOME": str(tmp_path), "WFO_PORT": "8190"})
    second = _read(write_config(moved))
    assert {(s, k): second.get(s, k) for s, k in secrets} == secrets
    assert second.get("api", "base_url") == "http://localhost:8190"
    assert second.get("core", "execution_api_server_url") == "http://localhost:8190/execution/"
    assert second.get("api", "port") == "8190"
    assert second.get("logging", "worker_log_server_port") == "9190"
    assert second.get("logging", "trigger_log_server_port") == "10190"
    assert second.get("core", "auth_manager").endswith("FabAuthManager")
    assert not list(tmp_path.glob("*.tmp")), "no temporary file is left behind"


def test_two_homes_get_different_secrets(tmp_path: Path) -> None:
    a = _read(write_config(load_settings({"WFO_HOME": str(tmp_path / "a")})))
    b = _read(write_config(load_settings({"WFO_HOME": str(tmp_path / "b")})))
    assert a.get("core", "fernet_key") != b.get("core", "fernet_key")


def test_percent_signs_in_a_database_url_survive(tmp_path: Path) -> None:
    url = "postgresql://wfo:p%40ss@db.example.com/wfo"
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_DATABASE_URL": url})
    write_config(settings)
    interpolating = configparser.ConfigParser()
    interpolating.read(settings.airflow_cfg)
    assert interpolating.get("database", "sql_alchemy_conn") == url


def test_child_environment_hides_the_database_url_and_sets_up_spark(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    base = {
        "PATH": "/usr/bin",
        "WFO_DATABASE_URL": "postgresql://x/y",
        "WFO_ADMIN_PASSWORD": "pw",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql://x/y",
    }
    env = child_environment(settings, base)
    assert "WFO_DATABASE_URL" not in env and "WFO_ADMIN_PASSWORD" not in env
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in env
    assert env["AIRFLOW_HOME"] == str(settings.home) and env["WFO_HOME"] == str(settings.home)
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert (Path(env["SPARK_HOME"]) / "bin" / "spark-submit").is_file()
    assert env["PYSPARK_PYTHON"] == sys.executable


def test_worker_exports_have_no_database_url(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_DATABASE_URL": "postgresql://u@h/db"})
    write_config(settings)
    exports = worker_exports(settings)
    assert exports["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://localhost:8080/execution/"
    assert not any("postgresql" in value for value in exports.values())
    assert exports["AIRFLOW__API__SECRET_KEY"]


def test_celery_goes_to_the_private_config_and_to_workers_but_not_to_children(tmp_path: Path) -> None:
    broker = "redis://:canary-broker-pw@127.0.0.1:6379/3"
    settings = load_settings(
        {"WFO_HOME": str(tmp_path), "WFO_DATABASE_URL": "postgresql://u@h/db", "WFO_EXECUTOR": "celery",
         "WFO_BROKER_URL": broker, "WFO_WORKERS": "3"}
    )  # fmt: skip
    write_config(settings)
    cfg = _read(settings.airflow_cfg)
    assert cfg.get("core", "executor") == "CeleryExecutor"
    assert cfg.get("celery", "broker_url") == broker and cfg.get("celery", "result_backend") == broker
    assert stat.S_IMODE(settings.airflow_cfg.stat().st_mode) == 0o600
    # A later `wfo status` or `wfo up` without the variables reads the same instance.
    again = load_settings({"WFO_HOME": str(tmp_path)})
    assert (again.executor, again.broker_url, again.workers) == ("CeleryExecutor", broker, 3)
    given = {"WFO_BROKER_URL": broker, "AIRFLOW__CELERY__BROKER_URL": broker, "PATH": "/usr/bin"}
    assert not any("canary-broker-pw" in value for value in child_environment(settings, given).values())
    exports = worker_exports(settings)
    assert exports["AIRFLOW__CELERY__BROKER_URL"] == broker
    assert not any("postgresql" in value for value in exports.values())
