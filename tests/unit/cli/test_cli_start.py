"""Issue 12: where the start's URL comes from, redirects that keep the user's host, a quiet Airflow CLI."""

from __future__ import annotations

import warnings
from pathlib import Path

from wfo.cli.airflow_config import QUIET_WARNINGS, child_environment
from wfo.cli.up import components, url_advice
from wfo.settings import load_settings, machine_address


def _api_env(home: Path, **env: str) -> dict[str, str]:
    settings = load_settings({"WFO_HOME": str(home), **env})
    api = next(c for c in components(settings, {"PATH": "/usr/bin"}) if c.name == "api-server")
    assert api.env is not None
    return api.env


def test_the_api_server_redirects_relative_to_the_host_used_unless_a_public_url_is_set(
    tmp_path: Path,
) -> None:
    assert _api_env(tmp_path)["AIRFLOW__API__BASE_URL"] == "/"
    assert (
        _api_env(tmp_path, WFO_HOST="0.0.0.0", WFO_TRUSTED_PROXIES="10.0.0.5")["AIRFLOW__API__BASE_URL"]
        == "/"
    )
    assert "AIRFLOW__API__BASE_URL" not in _api_env(tmp_path, WFO_PUBLIC_URL="https://wfo.example.com")


def test_the_url_shown_says_how_to_open_it_from_elsewhere(tmp_path: Path) -> None:
    local = load_settings({"WFO_HOME": str(tmp_path)})
    assert local.base_url == "http://localhost:8080"
    assert "WFO_HOST=0.0.0.0" in "\n".join(url_advice(local))
    everywhere = load_settings({"WFO_HOME": str(tmp_path), "WFO_HOST": "0.0.0.0", "WFO_PORT": "8300"})
    assert everywhere.base_url == f"http://{machine_address()}:8300"
    assert "WFO_PUBLIC_URL" in "\n".join(url_advice(everywhere))


def test_children_ignore_only_the_httpx_testclient_deprecation(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    env = child_environment(settings, {"PATH": "/usr/bin", "PYTHONWARNINGS": "error::ResourceWarning"})
    filters = env["PYTHONWARNINGS"].split(",")
    assert filters[0] == "error::ResourceWarning" and QUIET_WARNINGS[0] in filters
    # Applied the way Python applies PYTHONWARNINGS: only that message, category and module.
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings._setoption(QUIET_WARNINGS[0])  # type: ignore[attr-defined]
        message = "Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead."
        warnings.warn_explicit(message, UserWarning, "testclient.py", 1, module="fastapi.testclient")
        warnings.warn_explicit(message, UserWarning, "other.py", 1, module="someone.else")
        warnings.warn_explicit(
            "Something else is deprecated", UserWarning, "testclient.py", 1, module="fastapi.testclient"
        )
    assert [str(w.message)[:20] for w in caught] == ["Using `httpx` with `", "Something else is de"]
