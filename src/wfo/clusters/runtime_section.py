"""The runtime section of a config group: where Python code runs (a Dask cluster, Python interpreters).

The shape, its rules and its defaults are the model `wfo.clusters.runtime.RuntimeSection`. Interpreter
paths decide what code runs (DESIGN §9), so every change of this section needs `WFO Cluster Code
Settings` can_edit (Developer or Admin), not just `WFO Config Groups` can_edit.

Task processes import this module for `runtime_from_snapshot` and `check_scheduler_address`: it keeps
the database layer out of their imports (see `update_runtime`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wfo.clusters import runtime
from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.permissions import CODE_RIGHT, Permissions
from wfo.clusters.schemas import RuntimeSection, Saved
from wfo.clusters.spark_engine import STORED_KEY as SPARK_ENGINE_KEY

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wfo.db.models import ConfigGroup


def defaults() -> dict[str, Any]:
    return RuntimeSection().model_dump()


def runtime_view(group: ConfigGroup) -> RuntimeSection:
    """The group's runtime section with every default filled in (what the API and snapshot show)."""
    return RuntimeSection.model_validate(runtime.merged(group.runtime))


def runtime_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The runtime section of a published snapshot; snapshots published before it existed: defaults."""
    return runtime.merged(snapshot.get("runtime"))


def check_scheduler_address(value: Any) -> str | None:
    """A Dask scheduler address as a task gives it (None: none); `InvalidGroupInput` naming the rule."""
    try:
        return runtime.check_scheduler_address(value)
    except ValueError as exc:
        raise InvalidGroupInput(f"dask.scheduler_address {exc}") from None


def update_runtime(
    session: Session,
    group: ConfigGroup,
    section: RuntimeSection,
    username: str | None,
    permissions: Permissions,
) -> Saved[RuntimeSection]:
    """Replace the group's runtime section; `changes` lists the settings that changed.

    Raises `ChangeForbidden` for a change without `WFO Cluster Code Settings` can_edit. Submitting the
    current values unchanged is allowed to anyone who reached the service (an import of an unchanged
    group, for instance).
    """
    # Here, not at the top: task processes import this module and must not load the database layer.
    from wfo.clusters.stored import touch

    new = section.model_dump()
    changed = _changed_paths(runtime_view(group).model_dump(), new)
    if not changed:
        return Saved(section, {"changed": []})
    permissions.check_code(
        changed,
        "the runtime section decides what code runs (Python interpreters, the Dask cluster): changing "
        f"it needs {CODE_RIGHT}",
    )
    # The Spark engine (wfo.clusters.spark_engine) is kept in the same JSON: not this section's to replace.
    engine = (group.runtime or {}).get(SPARK_ENGINE_KEY)
    group.runtime = new if engine is None else {**new, SPARK_ENGINE_KEY: engine}
    touch(session, group, username)
    return Saved(runtime_view(group), {"changed": changed})


def _changed_paths(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if key != "python_environments" and isinstance(before, dict) and isinstance(after, dict):
            paths += _changed_paths(before, after, f"{prefix}{key}.")
        elif before != after:
            paths.append(prefix + key)
    return paths
