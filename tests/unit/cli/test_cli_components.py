"""What `wfo up` starts: listening only on WFO_HOST, proxy headers only from trusted proxies, private logs."""

from __future__ import annotations

import stat
from pathlib import Path

from wfo.cli.log_server import task_hostname
from wfo.cli.supervisor import open_private_log
from wfo.cli.up import components
from wfo.settings import load_settings


def _by_name(home: Path, **env: str) -> dict[str, list[str]]:
    settings = load_settings({"WFO_HOME": str(home), **env})
    return {c.name: c.argv for c in components(settings, {"PATH": "/usr/bin"})}


def test_everything_listens_on_the_configured_host_only(tmp_path: Path) -> None:
    argv = _by_name(tmp_path, WFO_HOST="10.1.2.3", WFO_PORT="8200")
    api = argv["api-server"]
    assert api[api.index("--host") + 1] == "10.1.2.3" and api[api.index("--port") + 1] == "8200"
    assert "--proxy-headers" not in api
    # Airflow's own log servers (every interface) are off; ours replaces them.
    assert "--skip-serve-logs" in argv["scheduler"] and "--skip-serve-logs" in argv["triggerer"]
    assert argv["log-server"][-2:] == ["-m", "wfo.cli.log_server"]


def test_proxy_headers_are_believed_from_trusted_proxies_only(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"})
    api = next(c for c in components(settings, {"PATH": "/usr/bin"}) if c.name == "api-server")
    assert "--proxy-headers" in api.argv
    assert api.env is not None and api.env["FORWARDED_ALLOW_IPS"] == "10.0.0.5,10.1.0.0/16"
    assert api.env["PATH"] == "/usr/bin"


def test_logs_are_private_even_when_they_existed(tmp_path: Path) -> None:
    old = tmp_path / "logs" / "api-server.log"
    old.parent.mkdir()
    old.write_text("earlier run\n")
    old.chmod(0o644)
    with open_private_log(old) as log:
        log.write(b"next run\n")
    with open_private_log(tmp_path / "logs" / "init.log", append=False) as log:
        log.write(b"init\n")
    assert old.read_text() == "earlier run\nnext run\n"
    for path in (old, tmp_path / "logs" / "init.log"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_tasks_are_named_by_the_address_the_log_server_listens_on(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from wfo import settings as settings_module

    monkeypatch.setattr(
        "wfo.cli.log_server.get_settings", lambda: settings_module.Settings(home=tmp_path, host="10.1.2.3")
    )
    assert task_hostname() == "10.1.2.3"


def test_scale_out_components_and_their_refusal_on_sqlite(tmp_path: Path) -> None:
    from wfo.cli.up import components, scale_out_refusal

    sqlite = load_settings({"WFO_HOME": str(tmp_path), "WFO_EXECUTOR": "celery"})
    assert "needs PostgreSQL" in (scale_out_refusal(sqlite) or "")
    two = load_settings({"WFO_HOME": str(tmp_path), "WFO_SCHEDULERS": "2"})
    assert "2 schedulers need PostgreSQL" in (scale_out_refusal(two) or "")
    pg = {"WFO_HOME": str(tmp_path), "WFO_DATABASE_URL": "postgresql://u@h/db"}
    celery = load_settings({**pg, "WFO_EXECUTOR": "celery", "WFO_WORKERS": "2", "WFO_SCHEDULERS": "2"})
    assert scale_out_refusal(celery) is None
    by_name = {c.name: c for c in components(celery, {})}
    assert {"scheduler", "scheduler-2", "celery-worker-1", "celery-worker-2"} <= set(by_name)
    worker = by_name["celery-worker-2"].argv
    assert worker[1:3] == ["celery", "worker"] and "--skip-serve-logs" in worker
    assert worker[worker.index("--pid") + 1] == str(tmp_path / "run" / "celery-worker-2.pid")
    assert worker[worker.index("--celery-hostname") + 1].startswith("celery-worker-2@")
    assert not any(
        name.startswith("celery-worker") for name in (c.name for c in components(load_settings(pg), {}))
    )
