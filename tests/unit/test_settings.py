"""Settings: environment over the instance's airflow.cfg over defaults; bad values refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfo.settings import SettingsError, load_settings, machine_address


def test_defaults_put_everything_under_the_home(tmp_path: Path) -> None:
    s = load_settings({"WFO_HOME": str(tmp_path)})
    assert s.home == tmp_path.resolve()
    assert s.port == 8080 and s.base_url == "http://localhost:8080"
    assert s.sql_alchemy_conn == f"sqlite:///{tmp_path.resolve()}/airflow.db"
    assert s.store_url == (tmp_path.resolve() / "store").as_uri()
    assert s.dags_folder == tmp_path.resolve() / "dags"


def test_default_home_is_dot_wfo_in_the_user_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_settings({}).home == (tmp_path / ".wfo").resolve()


def test_instance_config_is_read_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "airflow.cfg").write_text("[wfo]\nport = 9123\nexecutor = CeleryExecutor\n")
    s = load_settings({"WFO_HOME": str(tmp_path)})
    assert (s.port, s.executor) == (9123, "CeleryExecutor")
    s = load_settings({"WFO_HOME": str(tmp_path), "WFO_PORT": "9200"})
    assert s.port == 9200 and s.worker_log_server_port == 10200 and s.trigger_log_server_port == 11200


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WFO_PORT", "eighty", "must be integers"),
        ("WFO_PORT", "0", "out of range"),
        ("WFO_PORT", "65000", "out of range"),
        ("WFO_PARALLELISM", "many", "must be integers"),
        ("WFO_VALIDATOR_TIMEOUT", "0", "must be > 0"),
        ("WFO_VALIDATOR_MEMORY_MB", "abc", "must be numbers"),
        ("WFO_VALIDATOR_MEMORY_MB", "16", "at least 64"),
        ("WFO_EDA_SPARK_ABOVE_BYTES", "big", "number of bytes"),
        ("WFO_EDA_SPARK_ABOVE_BYTES", "-1", "0 \\(never\\) or more"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"WFO_HOME": str(tmp_path), name: value})


def test_eda_spark_threshold(tmp_path: Path) -> None:
    assert load_settings({"WFO_HOME": str(tmp_path)}).eda_spark_above_bytes == 0  # auto: never Spark
    assert (
        load_settings(
            {"WFO_HOME": str(tmp_path), "WFO_EDA_SPARK_ABOVE_BYTES": str(8 * 1024**3)}
        ).eda_spark_above_bytes
        == 8 * 1024**3
    )


def test_trusted_proxies_are_a_list(tmp_path: Path) -> None:
    s = load_settings({"WFO_HOME": str(tmp_path), "WFO_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,"})
    assert s.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")


def test_bind_address_public_url_and_limits(tmp_path: Path) -> None:
    s = load_settings({"WFO_HOME": str(tmp_path), "WFO_HOST": "0.0.0.0", "WFO_PORT": "8300"})
    # A wildcard address is fine to listen on but useless in a URL: users get this machine's address
    # (localhost would send a user who came by IP to their own machine after login).
    assert s.base_url == f"http://{machine_address()}:8300" and s.internal_url == "http://127.0.0.1:8300"
    assert "localhost" not in s.base_url or machine_address() == "localhost"
    assert (s.max_request_bytes, s.max_json_bytes) == (4 * 1024**3, 4 * 1024**2)
    assert (s.login_failures_per_user, s.login_failures_per_ip, s.login_window_seconds) == (5, 20, 300)
    s = load_settings(
        {
            "WFO_HOME": str(tmp_path),
            "WFO_PUBLIC_URL": "https://wfo.example.com/",
            "WFO_MAX_JSON_BYTES": "1024",
        }
    )
    assert s.base_url == "https://wfo.example.com" and s.internal_url == "http://localhost:8080"
    assert s.max_json_bytes == 1024
    assert load_settings({"WFO_HOME": str(tmp_path), "WFO_HOST": "::1"}).internal_url == "http://[::1]:8080"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WFO_PUBLIC_URL", "wfo.example.com", "http:// or https://"),
        ("WFO_PUBLIC_URL", "ftp://wfo.example.com", "http:// or https://"),
        ("WFO_MAX_REQUEST_BYTES", "lots", "must be integers"),
        ("WFO_LOGIN_FAILURES_PER_USER", "0", "at least 1"),
    ],
)
def test_bad_security_settings_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"WFO_HOME": str(tmp_path), name: value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WFO_WORKERS", "0", "WFO_WORKERS must be 1..32"),
        ("WFO_WORKERS", "many", "must be integers"),
        ("WFO_SCHEDULERS", "9", "WFO_SCHEDULERS must be 1..8"),
        ("WFO_WORKER_QUEUES", "default,bad queue", "queue names"),
        ("WFO_WORKER_QUEUES", " , ", "queue names"),
        ("WFO_BROKER_URL", "http://127.0.0.1:6379", "redis://"),
    ],
)
def test_bad_scale_out_settings_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"WFO_HOME": str(tmp_path), name: value})


def test_celery_settings_and_where_results_go(tmp_path: Path) -> None:
    base = {"WFO_HOME": str(tmp_path), "WFO_DATABASE_URL": "postgresql://u@h/db"}
    redis = load_settings({**base, "WFO_EXECUTOR": "celery", "WFO_WORKER_QUEUES": "default, edge"})
    assert redis.executor == "CeleryExecutor" and redis.celery and redis.worker_queues == ("default", "edge")
    assert redis.celery_result_backend == "redis://127.0.0.1:6379/0"  # the broker, when it is Redis
    rabbit = load_settings(
        {**base, "WFO_EXECUTOR": "celery", "WFO_BROKER_URL": "amqp://guest:guest@h:5672//"}
    )
    assert rabbit.celery_result_backend == "db+postgresql://u@h/db"
    assert not load_settings({"WFO_HOME": str(tmp_path), "WFO_EXECUTOR": "local"}).celery
