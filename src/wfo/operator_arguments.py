"""The arguments an operator was constructed with, as Airflow 3.3 keeps them on the task.

Airflow's apply-defaults wrapper keeps every constructor argument (`default_args` applied) on the task,
in `_BaseOperator__init_kwargs`; wfo's cluster policies read it (`sla=` in `wfo.sla.policy`, whether a
`queue=` was given in `wfo.clusters.queue_policy`). Imported by every Airflow process: standard library only.
"""

from __future__ import annotations

from typing import Any


def constructor_arguments(task: Any) -> dict[str, Any]:
    """The task's constructor arguments (default_args included); empty when Airflow kept none."""
    found = getattr(task, "_BaseOperator__init_kwargs", None)
    return found if isinstance(found, dict) else {}
