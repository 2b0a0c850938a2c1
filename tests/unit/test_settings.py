"""Settings: environment over the instance's airflow.cfg over defaults; bad values refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfo.settings import SettingsError, load_settings


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
    ],
)
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"WFO_HOME": str(tmp_path), name: value})


def test_trusted_proxies_are_a_list(tmp_path: Path) -> None:
    s = load_settings({"WFO_HOME": str(tmp_path), "WFO_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,"})
    assert s.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
