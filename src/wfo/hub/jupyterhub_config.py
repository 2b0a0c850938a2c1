"""JupyterHub's configuration file for wfo (`jupyterhub -f <this file>`, started by `wfo up`).

Everything comes from wfo's settings (`WFO_HOME`'s airflow.cfg and `WFO_*`): nothing to edit here.
"""
# ruff: noqa: F821  (`c` is the config object JupyterHub's loader provides)

from __future__ import annotations

import os
import sys
from pathlib import Path

from wfo.hub import component
from wfo.hub.authenticator import environment_to_keep
from wfo.settings import get_settings
from wfo.storage.objectstore import ObjectStore

settings = get_settings()
state = component.hub_dir(settings)
state.mkdir(parents=True, exist_ok=True, mode=0o700)
component.users_dir(settings).mkdir(parents=True, exist_ok=True, mode=0o700)

c = get_config()  # type: ignore[name-defined]

c.JupyterHub.bind_url = component.bind_url(settings)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = component.hub_api_port(settings)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
# Wait for a starting server before answering, so a click (or an HTTP client) lands in JupyterLab.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 60}
c.JupyterHub.default_url = "/hub/home"

c.JupyterHub.proxy_class = "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = component.proxy_command()
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{component.proxy_api_port(settings)}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

c.JupyterHub.authenticator_class = "wfo.hub.authenticator.WfoTicketAuthenticator"
c.JupyterHub.spawner_class = "wfo.hub.authenticator.WfoSpawner"

store_url = settings.store_url
workspace = ""
if store_url.startswith("file://"):
    workspace = str(Path(ObjectStore(store_url).backend.root) / "notebooks" / "common_workspace")  # type: ignore[attr-defined]
c.WfoSpawner.users_root = str(component.users_dir(settings))
c.WfoSpawner.workspace_dir = workspace
c.WfoSpawner.kernels_root = str(component.kernels_dir(settings))
c.WfoSpawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.WfoSpawner.default_url = "/lab"
c.WfoSpawner.ip = "127.0.0.1"
c.WfoSpawner.start_timeout = 60
c.WfoSpawner.http_timeout = 60
c.WfoSpawner.env_keep = environment_to_keep()
c.WfoSpawner.args = [
    # The notebook roots hold only the user's files; no extension manager or terminals.
    "--ServerApp.terminals_enabled=False",
    # Server extensions JupyterLab does not need here (the language-server bridge, classic Notebook 7's
    # pages, terminals): each costs start time of every user's server.
    "--ServerApp.jpserver_extensions=jupyter_lsp=False",
    "--ServerApp.jpserver_extensions=notebook=False",
    "--ServerApp.jpserver_extensions=jupyter_server_terminals=False",
    "--LabApp.news_url=",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--ContentsManager.allow_hidden=False",
]
if os.geteuid() == 0:
    # The embedded default runs the servers as the platform's own user (containers often run as root).
    c.WfoSpawner.args.append("--allow-root")

# Idle single-user servers are stopped after WFO_JUPYTER_IDLE_TIMEOUT (JupyterHub's idle culler service).
c.JupyterHub.load_roles = [
    {
        "name": "wfo-idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={settings.jupyter_idle_timeout}",
            f"--cull-every={max(30, min(300, settings.jupyter_idle_timeout // 4))}",
        ],
    }
]
