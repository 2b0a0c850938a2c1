"""The cluster policy that sends a wfo task to its config group's queue when the task names none.

A config group's runtime section may name a Celery queue (`runtime.queue`): a cluster whose edge node runs
its own worker (`wfo worker --queues edge-a`) gets the tasks of that group there. Airflow routes a task by
the `queue` its serialized DAG carries, so the choice is made where DAG files are parsed: this
`task_policy` (registered through the `airflow.policy` entry point) sets `task.queue` for tasks of wfo's
operators (they have `config_group`; None is the default group) that were given no `queue=` (neither as an
argument nor in `default_args`). It reads the group's signed, published snapshot (an Airflow connection,
as the task itself does), once per group per parse process.

It acts only where Airflow parses for real (the dag-processor, and a task re-parsing its own file): there
the Task SDK reaches connections through its supervisor. Elsewhere (wfo's validator, the CLI) and whenever
the snapshot cannot be read, the task keeps the queue it has: a parse never fails because of this.

A change of the group's queue reaches a DAG the next time its file is parsed: when it is saved, or at the
dag-processor's periodic re-parse (`min_file_process_interval`, 600 s on wfo); `wfo airflow dags
reserialize` applies it to every DAG at once. Imported by every Airflow process: standard library and pluggy only at import.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import pluggy

from wfo.operator_arguments import constructor_arguments

hookimpl = pluggy.HookimplMarker("airflow.policy")

_NOT_READ = object()
# Group name (None: the default group) -> its queue or None; per process, so per DAG file parse.
_queues: dict[str | None, object] = {}


def _parsing_with_a_supervisor() -> bool:
    return hasattr(sys.modules.get("airflow.sdk.execution_time.task_runner"), "SUPERVISOR_COMMS")


def _is_wfo_task(task: Any) -> bool:
    return type(task).__module__.startswith("wfo.operators.") and hasattr(task, "config_group")


def group_queue(name: str | None) -> str | None:
    """The queue the published snapshot of group `name` names (None: none, or unreadable)."""
    cached = _queues.get(name, _NOT_READ)
    if cached is _NOT_READ:
        cached = None
        try:
            from wfo.clusters.published import GroupNotPublished, load_group_snapshot

            try:
                runtime = load_group_snapshot(name).get("runtime")
            except GroupNotPublished:
                runtime = None
            queue = runtime.get("queue") if isinstance(runtime, dict) else None
            cached = queue if isinstance(queue, str) and queue else None
        except Exception:  # a parse must never fail because of this policy (logged)
            logging.getLogger(__name__).warning(
                "the queue of config group %r could not be read; its tasks keep their queue",
                name or "(default)",
                exc_info=True,
            )
        _queues[name] = cached
    return cached if isinstance(cached, str) else None


@hookimpl
def task_policy(task: Any) -> None:
    if not _is_wfo_task(task) or "queue" in constructor_arguments(task) or not _parsing_with_a_supervisor():
        return
    group = getattr(task, "config_group", None)
    queue = group_queue(group if isinstance(group, str) and group else None)
    if queue is not None:
        task.queue = queue
