"""The root middlewares of wfo's request guards, in the order the plugin hands them to Airflow.

Airflow wraps each root middleware around the ones before it, so the last entry sees a request first:
cookies are made Secure on the way out of everything, the body limit applies before any guard reads a
body, the login guard reads at most its own small bound, and the scheduler is woken after requests that
gave it work (wfo.wakeup).
"""

from __future__ import annotations

from typing import Any

from wfo.plugin.guards.body_limits import RequestBodyLimit
from wfo.plugin.guards.logins import LoginGuard
from wfo.plugin.guards.secure_cookies import SecureCookies
from wfo.plugin.guards.wakeup import SchedulerWakeup


def root_middlewares() -> list[dict[str, Any]]:
    return [
        # Innermost: it wakes the scheduler only for requests the guards below let through.
        {"middleware": SchedulerWakeup, "args": [], "kwargs": {}, "name": "wfo-scheduler-wakeup"},
        {"middleware": LoginGuard, "args": [], "kwargs": {}, "name": "wfo-login-guard"},
        {"middleware": RequestBodyLimit, "args": [], "kwargs": {}, "name": "wfo-request-body-limit"},
        {"middleware": SecureCookies, "args": [], "kwargs": {}, "name": "wfo-secure-cookies"},
    ]
