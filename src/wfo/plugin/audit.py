"""Declarative audit events: a route that changes something declares its action, and cannot forget it.

    def create_brick(..., audit: Annotated[AuditRecord, audited("code_brick.create")]) -> ...:
        brick = bricks.create_brick(...)
        audit.object_id, audit.details = brick.title, {"id": brick.id}

The dependency records the event when the route returns: in the request's own transaction (the change
and its event commit together), or, when the route raises a domain error or an HTTP 4xx, as a failure
(`denied` for `Forbidden`) in a transaction of its own after rolling the request's back (SQLite would
otherwise keep the write lock the separate transaction waits for). Refusals by `require(...)` are recorded
there, before the route runs. Like Airflow's `action_logging()`, but into our audit log.

Action names: `<object>[.<part>].<verb>`, the object singular and snake_case as the audit log's
`object_type` (`config_group.spark.update`, `dag_file.save`, `session.login`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import Depends, HTTPException, Request

from wfo.audit.service import Actor, Outcome, record, record_separately
from wfo.errors import Forbidden, WfoError

ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
# Where `require(...)` leaves the caller for the audit dependency (request.state attribute).
CALLER_STATE = "wfo_caller"


@dataclass
class AuditRecord:
    """The event a route is about to cause; the route fills in what it learns (object id, details)."""

    action: str
    object_type: str
    object_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    # One event per object instead, for a request that changes several (an upload of many files).
    each: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def skip(self) -> None:
        """Nothing changed (an idempotent request): record no event."""
        self.skipped = True

    def add(self, object_id: str, details: dict[str, Any] | None = None) -> None:
        """Record the success as one event per object added this way (a failure stays one event)."""
        self.each.append((object_id, details or {}))


def _actor(request: Request) -> Actor | None:
    """The caller `require(...)` let through; None when it refused them (and recorded that itself)."""
    caller = getattr(request.state, CALLER_STATE, None)
    return None if caller is None else caller.actor


def audited(action: str, *, object_param: str | None = None) -> Any:
    """Dependency recording `action` for the route; `object_param` names the path parameter that is the
    object id when the route does not set one."""
    if not ACTION_PATTERN.fullmatch(action):
        raise ValueError(f"audit action {action!r} must look like object.verb (lower case, snake_case)")
    object_type = action.split(".", 1)[0]

    def dependency(request: Request, session: SessionDep) -> Iterator[AuditRecord]:
        event = AuditRecord(action, object_type)

        def object_id() -> str | None:
            if event.object_id is not None or object_param is None:
                return event.object_id
            value = request.path_params.get(object_param)
            return None if value is None else str(value)

        try:
            yield event
        except (WfoError, HTTPException) as exc:
            actor = _actor(request)
            status = exc.status if isinstance(exc, WfoError) else exc.status_code
            if actor is None or (status >= 500 and not isinstance(exc, WfoError)):
                raise
            detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
            outcome: Outcome = "denied" if isinstance(exc, Forbidden) or status == 403 else "failure"
            session.rollback()
            record_separately(
                actor, action, object_type, object_id(), outcome, {**event.details, "error": detail}
            )
            raise
        actor = _actor(request)
        if actor is None or event.skipped:
            return
        if not event.each:
            record(session, actor, action, object_type, object_id(), "success", event.details or None)
        for each_id, details in event.each:
            record(session, actor, action, object_type, each_id, "success", details or None)

    return Depends(dependency, scope="function")
