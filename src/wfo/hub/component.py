"""The `jupyterhub` component of `wfo up`: ports, folders, and the command line.

Ports come from `--port` (`Settings.jupyterhub_port` = port + 3000 is the proxy users open; the proxy's API
is at +3001 and the hub itself at +3002, both on 127.0.0.1), so two instances never collide. The hub's state
(its SQLite database, cookie secret, proxy token) lives under `$WFO_HOME/notebooks/hub/`; the users' notebook
roots under `$WFO_HOME/notebooks/users/`. The proxy is configurable-http-proxy, installed by `./run` into
`src/wfo/notebooks/proxy/node_modules` (`WFO_JUPYTER_PROXY` names another executable).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from wfo.settings import WILDCARD_HOSTS, Settings

# The hub's route (under /hub) that redeems a wfo ticket (wfo.hub.authenticator).
LOGIN_PATH = "/wfo-login"
PROXY_API_OFFSET = 1
HUB_API_OFFSET = 2
PROXY_DIR = Path(__file__).resolve().parent.parent / "notebooks" / "proxy"
LOG_NAME = "jupyterhub.log"
CONFIG_FILE = Path(__file__).resolve().parent / "jupyterhub_config.py"


class ProxyMissing(RuntimeError):
    """configurable-http-proxy is not installed (run `./run install`)."""


def hub_dir(settings: Settings) -> Path:
    return settings.home / "notebooks" / "hub"


def users_dir(settings: Settings) -> Path:
    return settings.home / "notebooks" / "users"


def kernels_dir(settings: Settings) -> Path:
    return settings.home / "notebooks" / "kernels"


def proxy_api_port(settings: Settings) -> int:
    return settings.jupyterhub_port + PROXY_API_OFFSET


def hub_api_port(settings: Settings) -> int:
    return settings.jupyterhub_port + HUB_API_OFFSET


def public_url(settings: Settings) -> str:
    """The hub's URL as users open it: the host of wfo's URL, the hub's port."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.base_url).hostname or "localhost"
    if settings.public_url:
        # Behind a TLS proxy the admin serves the hub from its own name (docs/notebooks.md); WFO_JUPYTER_URL.
        configured = os.environ.get("WFO_JUPYTER_URL", "").rstrip("/")
        if configured:
            return configured
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.jupyterhub_port}"


def bind_url(settings: Settings) -> str:
    host = settings.host
    if host in WILDCARD_HOSTS:
        host = "0.0.0.0"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.jupyterhub_port}/"


def local_url(settings: Settings) -> str:
    """The hub as processes on this host reach it."""
    host = "127.0.0.1" if settings.host in WILDCARD_HOSTS else settings.host
    return f"http://{host}:{settings.jupyterhub_port}"


def proxy_command() -> list[str]:
    """configurable-http-proxy's command: WFO_JUPYTER_PROXY, the project's install (through
    `wfo-proxy.mjs`, which removes Airflow's session cookie from what it forwards), or one on PATH."""
    configured = os.environ.get("WFO_JUPYTER_PROXY")
    if configured:
        return [configured]
    local = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    node = shutil.which("node")
    if local.is_file() and node:
        # The same proxy, started through our wrapper that drops Airflow's `_token` cookie (wfo-proxy.mjs).
        return [node, str(PROXY_DIR / "wfo-proxy.mjs")]
    found = shutil.which("configurable-http-proxy")
    if found:
        return [found]
    raise ProxyMissing(
        "JupyterHub's proxy (configurable-http-proxy) is not installed: run `./run install` (it installs it "
        f"into {PROXY_DIR}), or start with WFO_JUPYTER=off to run without notebooks"
    )


def argv(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE), "--no-ssl"]


def unavailable_reason() -> str | None:
    """Why the hub cannot start here (its extra or its proxy is missing), or None."""
    import importlib.util

    if importlib.util.find_spec("jupyterhub") is None:
        return "JupyterHub is not installed (the extra wfo[notebooks]; `./run install` installs it)"
    try:
        proxy_command()
    except ProxyMissing as exc:
        return str(exc)
    return None


def ready(settings: Settings) -> bool:
    """The hub answers through its proxy (`/hub/api` is 200 once the hub and the proxy's route are up)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{local_url(settings)}/hub/api", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
