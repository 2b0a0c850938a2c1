"""The wfo Airflow plugin: our API mounted at /wfo and our React pages in Airflow's UI.

Every Airflow process imports this module, so it stays light: the FastAPI app is built only in the
api-server (the same guard the edge3 provider uses), and nothing heavy is imported at module level.
"""

from __future__ import annotations

import sys
from typing import Any

from airflow.plugins_manager import AirflowPlugin

BUNDLE_NAME = "wfo-ui.umd.cjs"


def running_on_api_server() -> bool:
    return len(sys.argv) > 1 and sys.argv[1] == "api-server"


def fastapi_apps() -> list[dict[str, Any]]:
    from wfo.plugin.app import MOUNT_PREFIX, create_app
    from wfo.plugin.compat import compat_apps

    return [{"app": create_app(), "url_prefix": MOUNT_PREFIX, "name": "wfo"}, *compat_apps()]


def root_middlewares() -> list[dict[str, Any]]:
    from wfo.plugin.compat import root_middlewares
    from wfo.plugin.guards import connections, stack

    # Later entries wrap earlier ones: the body limit and the login guard see a request first.
    return [*root_middlewares(), *connections.root_middlewares(), *stack.root_middlewares()]


REACT_APPS: list[dict[str, Any]] = [
    {
        "name": "wfo",
        "bundle_url": f"/wfo/static/{BUNDLE_NAME}",
        "destination": "nav",
        "url_route": "wfo",
        "nav_top_level": True,
        "category": "wfo",
    }
]


class WfoPlugin(AirflowPlugin):
    name = "wfo"
    fastapi_apps = fastapi_apps() if running_on_api_server() else []
    fastapi_root_middlewares = root_middlewares() if running_on_api_server() else []
    react_apps = REACT_APPS
