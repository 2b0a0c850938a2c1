"""How a config group runs PySpark: `spark-submit` (a cold driver per task) or Spark Connect (a warm server).

`{"engine": "submit" | "connect", "url": null | "sc://host:port"}`; with `connect`, a null url means the
server `wfo up` runs itself (`wfo.sparkconnect`), a URL an existing server (its token, write-only, is kept
Fernet-encrypted like the group's other secrets). It decides where code runs, so a change needs `WFO Cluster
Code Settings` can_edit (Developer or Admin).

Kept without a table of its own in the group's runtime JSON (`ConfigGroup.runtime["spark_engine"]`, which
the runtime section's model leaves alone) and published in the group's signed snapshot as `spark_engine`
(token decrypted). Task processes import this module for `engine_from_snapshot`: it stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.permissions import CODE_RIGHT, Permissions
from wfo.clusters.published import SPARK_ENGINE_KEY
from wfo.clusters.runtime import SparkEngine, SparkEngineUpdate, check_connect_url
from wfo.clusters.schemas import Saved

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wfo.db.models import ConfigGroup

STORED_KEY = SPARK_ENGINE_KEY
__all__ = ["SparkEngine", "SparkEngineUpdate", "check_connect_url", "engine_view", "update_engine"]


def stored(group: ConfigGroup) -> dict[str, Any]:
    found = (group.runtime or {}).get(STORED_KEY)
    return dict(found) if isinstance(found, dict) else {}


def engine_view(group: ConfigGroup) -> SparkEngine:
    data = stored(group)
    return SparkEngine(engine=data.get("engine") or "submit", url=data.get("url"))


def engine_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The engine of a published snapshot; one published before the setting existed: spark-submit."""
    found = snapshot.get(STORED_KEY)
    if not isinstance(found, dict):
        return {"engine": "submit", "url": None, "token": ""}
    return {
        "engine": "connect" if found.get("engine") == "connect" else "submit",
        "url": found.get("url") or None,
        "token": str(found.get("token") or ""),
    }


def _host(url: str | None) -> str | None:
    return None if url is None else url.removeprefix("sc://").rsplit(":", 1)[0]


def update_engine(
    session: Session,
    group: ConfigGroup,
    update: SparkEngineUpdate,
    username: str | None,
    permissions: Permissions,
) -> Saved[SparkEngine]:
    """Set the group's engine; `changes` (the audit event's details) never holds the token.

    A token needs a URL (wfo's own server has the instance's token); a stored token is dropped when the
    URL moves to another host, so it is never sent to a server it was not given for.
    """
    from wfo.clusters import secrets
    from wfo.clusters.stored import touch

    old = stored(group)
    if update.token and update.url is None:
        raise InvalidGroupInput(
            "token is only for a remote server (url sc://host:port); wfo's own server (url null) uses the "
            "instance's token"
        )
    kept = old.get("token") if _host(update.url) == _host(old.get("url")) else None
    if update.token is None:
        token = kept
    else:
        token = secrets.encrypt(update.token.encode()).decode("ascii") if update.token else None
    new = {"engine": update.engine, "url": update.url, "token": token}
    # A group that never set it runs spark-submit: setting "submit" on it (an import of its own export)
    # changes nothing.
    effective = {"engine": old.get("engine") or "submit", "url": old.get("url")}
    changed = sorted(key for key in ("engine", "url") if (effective[key] or None) != (new[key] or None))
    if (old.get("token") or None) != token:
        changed.append("token")
    permissions.check_code(
        changed,
        f"the Spark engine decides where PySpark code runs: changing it needs {CODE_RIGHT}",
    )
    if changed:
        group.runtime = {**(group.runtime or {}), STORED_KEY: new}
        touch(session, group, username)
    view = engine_view(group)
    return Saved(view, {"engine": view.engine, "url": view.url, "changed": changed})
