"""The SLAs of one serialized DAG version, read from `serialized_dag` JSON (never by running DAG code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfo.sla.policy import CARRIER_KEY


@dataclass(frozen=True)
class TaskSla:
    task_id: str
    seconds: float
    # The task's `email=` (1.10 sent SLA e-mails to the addresses of the tasks that missed).
    emails: tuple[str, ...]
    # The DAG had an `sla_miss_callback` when it was parsed.
    callback: bool


@dataclass(frozen=True)
class DagSlas:
    dag_id: str
    fileloc: str
    tasks: dict[str, TaskSla]


def plain(value: Any) -> Any:
    """Airflow's serialized form (`{"__var": ..., "__type": ...}` wrappers) as plain JSON values."""
    if isinstance(value, dict):
        if "__var" in value and "__type" in value:
            return plain(value["__var"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _emails(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list):
        return ()
    return tuple(address.strip() for address in value if isinstance(address, str) and address.strip())


def dag_slas(serialized: dict[str, Any]) -> DagSlas | None:
    """The task SLAs the wfo policy left in a serialized DAG's tasks; None when the DAG has none."""
    dag = serialized.get("dag") if isinstance(serialized, dict) else None
    if not isinstance(dag, dict):
        return None
    tasks: dict[str, TaskSla] = {}
    for entry in dag.get("tasks") or []:
        task = entry.get("__var", entry) if isinstance(entry, dict) else None
        if not isinstance(task, dict):
            continue
        config = plain(task.get("executor_config"))
        carried = config.get(CARRIER_KEY) if isinstance(config, dict) else None
        if not isinstance(carried, dict):
            continue
        seconds = carried.get("seconds")
        task_id = task.get("task_id")
        if not isinstance(task_id, str) or not isinstance(seconds, (int, float)) or seconds <= 0:
            continue
        tasks[task_id] = TaskSla(
            task_id, float(seconds), _emails(task.get("email")), bool(carried.get("callback"))
        )
    if not tasks:
        return None
    return DagSlas(str(dag.get("dag_id", "")), str(dag.get("fileloc", "")), tasks)
