"""webserver_config.py: generated once with the hook that loads the LDAP page's settings; a file from an earlier
version that nobody edited gets the hook, an edited one is left alone."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from wfo.cli import airflow_config
from wfo.cli.airflow_config import write_config
from wfo.ldapconfig.fab import HOOK
from wfo.settings import load_settings


def test_the_generated_file_loads_the_ldap_settings_and_keeps_the_db_login_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WFO_HOME", str(tmp_path))
    write_config(load_settings({"WFO_HOME": str(tmp_path)}))
    path = tmp_path / "webserver_config.py"
    assert HOOK in path.read_text()
    # As FAB reads it (a module's upper-case names); nothing saved yet: the DB login.
    namespace = runpy.run_path(str(path), init_globals={"__name__": "webserver_config"})
    upper = {k: v for k, v in namespace.items() if k.isupper() and k != "AUTH_DB"}
    assert upper == {"AUTH_TYPE": 1, "AUTH_USER_REGISTRATION": False}


def test_an_unedited_earlier_file_gets_the_hook_and_an_edited_one_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "webserver_config.py"
    path.write_text(airflow_config._FIRST_WEBSERVER_CONFIG)
    write_config(load_settings({"WFO_HOME": str(tmp_path)}))
    assert path.read_text() == airflow_config.WEBSERVER_CONFIG
    edited = airflow_config._FIRST_WEBSERVER_CONFIG + "AUTH_ROLE_PUBLIC = 'Viewer'\n"
    path.write_text(edited)
    write_config(load_settings({"WFO_HOME": str(tmp_path)}))
    assert path.read_text() == edited
