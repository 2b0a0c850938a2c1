"""JupyterHub's extension points, as wfo fills them (loaded by the hub's process only).

* `WfoTicketAuthenticator`: `GET /hub/wfo-login?ticket=...` redeems a wfo ticket (`wfo.hub.tickets`) and
  logs the user in if their role still grants `WFO Notebooks` (`wfo.hub.access`); anything else (forged,
  expired, replayed, another user's role) is refused with 403 and audited. There is no password form: the
  hub's own login page sends the browser back to wfo's Notebooks page, where a new ticket is issued. The
  hub never reads Airflow's `_token` cookie.
* `WfoSpawner`: JupyterHub's own local-process spawner (no OS users needed) with each user's notebook root
  under `$WFO_HOME/notebooks/users/<name>`, the shared `common_workspace` linked into it, the kernel specs
  and the per-user sparkmagic config written before the server starts, and audit events for start/stop.
  Production replaces it with KubeSpawner or SystemdSpawner (docs/notebooks.md).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler
from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import url_path_join
from sqlalchemy.orm import Session
from tornado import web
from traitlets import Unicode

from wfo.hub import access, tickets
from wfo.hub.component import LOGIN_PATH
from wfo.hub.errors import TicketRefused
from wfo.hub.kernels import default_group_sources, write_kernel_specs, write_sparkmagic_config
from wfo.settings import get_settings

SPAWN_WAIT_SECONDS = 90
# Where a user without a hub session is sent (wfo's Notebooks page issues a new ticket).
NOTEBOOKS_PAGE = "/plugin/wfo/notebooks"


class TicketLoginHandler(BaseHandler):  # type: ignore[misc]
    """`/hub/wfo-login?ticket=...`: log in with a wfo ticket, then start (or open) the user's server."""

    async def get(self) -> None:
        ticket = self.get_argument("ticket", default="", strip=True)
        user = await self.login_user({"ticket": ticket})
        if user is None:
            raise web.HTTPError(403, "This notebook link is not valid (expired, used, or not yours).")
        lab = url_path_join(user.url, "lab")
        spawner = user.spawner
        # Start the server here and answer once it is up (JupyterHub's own /hub/spawn gives up after 1 s
        # and shows a progress page that needs JavaScript): the click, or an HTTP client, lands in JupyterLab.
        if not spawner.active:
            await self.spawn_single_user(user)
        if spawner.pending == "spawn" and spawner._spawn_future is not None:
            try:
                await asyncio.wait_for(asyncio.shield(spawner._spawn_future), SPAWN_WAIT_SECONDS)
            except TimeoutError:
                pending = url_path_join(self.hub.base_url, "spawn-pending", user.escaped_name)
                self.redirect(f"{pending}?next={quote(lab)}")
                return
        self.redirect(lab)


class WfoTicketAuthenticator(Authenticator):  # type: ignore[misc]
    """Logs users in with wfo's single-use tickets; the platform's roles decide who may."""

    auto_login = True
    # Users are allowed by the role check in `authenticate`, not by a list.
    allow_all = True

    def get_handlers(self, app: Any) -> list[tuple[str, Any]]:
        return [(LOGIN_PATH, TicketLoginHandler)]

    def login_url(self, base_url: str) -> str:
        return f"{get_settings().base_url}{NOTEBOOKS_PAGE}"

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> str | None:
        ip = handler.request.remote_ip if handler is not None else None
        return await asyncio.to_thread(self._check, str((data or {}).get("ticket") or ""), ip)

    def _check(self, ticket: str, ip: str | None) -> str | None:
        home = get_settings().home
        try:
            found = tickets.redeem(home, ticket)
        except TicketRefused as exc:
            self.log.warning("wfo: refused a notebook login ticket: %s", exc.reason)
            access.audit(
                exc.username or "(unknown)", "notebook_hub.login", None, "denied", ip, {"reason": exc.reason}
            )
            return None
        if not access.may_use_notebooks(found.username):
            reason = "the user's roles do not grant WFO Notebooks"
            access.audit(
                found.username, "notebook_hub.login", found.username, "denied", ip, {"reason": reason}
            )
            return None
        access.audit(found.username, "notebook_hub.login", found.username, "success", ip)
        return found.username


class WfoSpawner(SimpleLocalProcessSpawner):  # type: ignore[misc]
    """One local single-user JupyterLab per user, rooted in the user's own folder."""

    users_root = Unicode("", config=True, help="Folder holding one notebook root per user")
    workspace_dir = Unicode("", config=True, help="The local folder of common_workspace ('' if remote)")
    kernels_root = Unicode("", config=True, help="Folder for the generated per-user kernel specs")

    def _user_folder(self) -> Path:
        return Path(self.users_root) / self.user.name

    def _prepare(self) -> dict[str, str]:
        """Create the user's folders, link common_workspace, write kernel specs and sparkmagic config."""
        root = self._user_folder()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.workspace_dir:
            Path(self.workspace_dir).mkdir(parents=True, exist_ok=True)
            link = root / "common_workspace"
            if not link.is_symlink() and not link.exists():
                link.symlink_to(self.workspace_dir, target_is_directory=True)
        with Session(access.engine()) as session:
            sources = default_group_sources(session)
        data_dir = Path(self.kernels_root) / self.user.name
        write_kernel_specs(data_dir, sources)
        sparkmagic = write_sparkmagic_config(data_dir / "sparkmagic", sources)
        return {"JUPYTER_PATH": str(data_dir), "SPARKMAGIC_CONF_DIR": str(sparkmagic)}

    def get_env(self) -> dict[str, str]:
        env: dict[str, str] = super().get_env()
        env.update(getattr(self, "_wfo_env", {}))
        return env

    async def start(self) -> Any:
        self._wfo_env = await asyncio.to_thread(self._prepare)
        self.notebook_dir = str(self._user_folder())
        self.home_dir = str(self._user_folder())
        result = await super().start()
        await asyncio.to_thread(access.audit, self.user.name, "notebook_server.start", self.user.name)
        return result

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        await asyncio.to_thread(access.audit, self.user.name, "notebook_server.stop", self.user.name)


def environment_to_keep() -> list[str]:
    """Variables of the hub's environment the single-user servers and kernels get."""
    keep = ["PATH", "LANG", "LC_ALL", "JAVA_HOME", "SPARK_HOME", "HADOOP_HOME", "TZ"]
    keep += ["WFO_HOME", "AIRFLOW_HOME", "AIRFLOW_CONFIG", "WFO_SIGNING_PUBLIC_KEY", "PYSPARK_PYTHON"]
    keep += ["PYTHONWARNINGS"]
    return [name for name in keep if name in os.environ]
