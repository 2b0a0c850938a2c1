"""The wfo Airflow plugin: our API mounted at /wfo and our React pages in Airflow's UI.

Every Airflow process imports this module, so it stays light: the FastAPI app is built only in the
api-server (the same guard the edge3 provider uses), and nothing heavy is imported at module level.
"""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Any

from airflow.plugins_manager import AirflowPlugin

BUNDLE_NAME = "wfo-ui.umd.cjs"


def running_on_api_server() -> bool:
    return len(sys.argv) > 1 and sys.argv[1] == "api-server"


# Airflow's long-running components `wfo up` stops with SIGTERM (the api-server: wfo.plugin.app's lifespan),
# and `airflow celery worker` (an idle worker's stop: 2.3-2.6 s before, 1.6-2.0 s with the freeze below).
STOPPED_COMPONENTS = frozenset({"scheduler", "dag-processor", "triggerer", "celery"})


def running_as_component() -> bool:
    return len(sys.argv) > 1 and sys.argv[1] in STOPPED_COMPONENTS


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


if running_as_component():
    # Once the component has shut down (the exit handlers run before the interpreter's teardown), freeze
    # the heap: Python's garbage collection at exit walks it otherwise, 4-5 s of CPU per component after a
    # SIGTERM (py-spy: in `gc_collect_main`), which every `wfo up` stop waited for. The kernel takes the
    # memory at exit anyway. Airflow's own exit handlers (dispose_orm: database connections closed) run
    # as before; Airflow loads this plugin at its import, so they were registered first and run after.
    atexit.register(gc.freeze)


class WfoPlugin(AirflowPlugin):
    name = "wfo"
    fastapi_apps = fastapi_apps() if running_on_api_server() else []
    fastapi_root_middlewares = root_middlewares() if running_on_api_server() else []
    react_apps = REACT_APPS
