"""`wfo up` runs the hub unless WFO_JUPYTER=off; its ports follow --port."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfo.cli.up import components
from wfo.hub import component
from wfo.settings import SettingsError, load_settings


def test_the_hub_is_a_component_with_its_url(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_PORT": "8200"})
    hub = next(c for c in components(settings, {}) if c.name == "jupyterhub")
    assert hub.url == "http://localhost:11200"
    assert hub.log_path.name == "jupyterhub.log"
    assert str(component.CONFIG_FILE) in hub.argv
    assert (component.proxy_api_port(settings), component.hub_api_port(settings)) == (11201, 11202)


def test_wfo_jupyter_off_leaves_it_out(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_JUPYTER": "off"})
    assert "jupyterhub" not in [c.name for c in components(settings, {})]


def test_the_idle_timeout_is_a_setting(tmp_path: Path) -> None:
    assert load_settings({"WFO_HOME": str(tmp_path)}).jupyter_idle_timeout == 3600
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_JUPYTER_IDLE_TIMEOUT": "600"})
    assert settings.jupyter_idle_timeout == 600
    with pytest.raises(SettingsError):
        load_settings({"WFO_HOME": str(tmp_path), "WFO_JUPYTER_IDLE_TIMEOUT": "5"})
    with pytest.raises(SettingsError):
        load_settings({"WFO_HOME": str(tmp_path), "WFO_JUPYTER": "maybe"})


def test_the_proxy_is_the_project_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WFO_JUPYTER_PROXY", raising=False)
    command = component.proxy_command()
    assert command[1:] == [str(component.PROXY_DIR / "wfo-proxy.mjs")] and command[0].endswith("node")
