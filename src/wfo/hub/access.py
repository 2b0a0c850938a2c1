"""What the hub's process asks the platform: may this user use notebooks now, and audit events.

The hub runs outside Airflow's api-server, so it reads Airflow's (FAB's) tables directly: a user may log in
to the hub while one of their roles holds `can_read` on `WFO Notebooks` (the same grant the routes check, so
a custom role granted it works too). A role removed in Airflow takes effect at the user's next hub login.
Audit events go to wfo's own audit table, like the api-server's.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wfo.audit.service import Actor, Outcome, record
from wfo.auth.roles import CAN_READ, NOTEBOOKS
from wfo.settings import get_settings

_MAY_USE_NOTEBOOKS = text(
    """
    SELECT 1 FROM ab_user u
      JOIN ab_user_role ur ON ur.user_id = u.id
      JOIN ab_permission_view_role pvr ON pvr.role_id = ur.role_id
      JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id
      JOIN ab_permission p ON p.id = pv.permission_id
      JOIN ab_view_menu vm ON vm.id = pv.view_menu_id
     WHERE u.username = :username AND u.active = :active AND p.name = :action AND vm.name = :resource
     LIMIT 1
    """
)


@functools.cache
def engine() -> Engine:
    """An engine on the instance's metadata database (the hub's process only; small pool)."""
    url = get_settings().sql_alchemy_conn
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs |= {"pool_size": 2, "max_overflow": 2}
    return create_engine(url, **kwargs)


def may_use_notebooks(username: str) -> bool:
    """True while an active user `username` holds `can_read` on WFO Notebooks through one of their roles."""
    with engine().connect() as conn:
        found = conn.execute(
            _MAY_USE_NOTEBOOKS,
            {"username": username, "active": True, "action": CAN_READ, "resource": NOTEBOOKS},
        ).first()
    return found is not None


def audit(
    username: str,
    action: str,
    object_id: str | None,
    outcome: Outcome = "success",
    source_ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record an audit event of the hub (`notebook_hub.login`, `notebook_server.start`, ...)."""
    with Session(engine()) as session, session.begin():
        record(session, Actor(username, source_ip), action, "notebook_hub", object_id, outcome, details)
