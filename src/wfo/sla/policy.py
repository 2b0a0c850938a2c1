"""The cluster policy that keeps a task's `sla=` through Airflow 3.3's DAG serialization.

Airflow 3.3 accepts `sla=` on an operator only to warn and drop it, but its apply-defaults wrapper keeps
every constructor argument (default_args applied) on the task. This policy, registered through the
`airflow.policy` entry point and run by Airflow wherever a DAG file is parsed, copies the SLA into the
task's `executor_config` under `wfo_sla`, a field the serialized DAG carries, so the sla-monitor reads it
from the `serialized_dag` table without running any DAG code. Imported by every Airflow process: standard
library and pluggy only.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pluggy

from wfo.operator_arguments import constructor_arguments

CARRIER_KEY = "wfo_sla"
hookimpl = pluggy.HookimplMarker("airflow.policy")

# Airflow warns that `sla=` / `sla_miss_callback=` do nothing; with wfo they do (docs/sla.md). Airflow
# loads this module when it configures itself, before any DAG file is parsed, in every process.
warnings.filterwarnings("ignore", message="The SLA feature is removed in Airflow 3", category=UserWarning)


def sla_seconds(value: Any) -> float | None:
    """A usable SLA in seconds (a positive timedelta or number of seconds), else None."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        return None
    return seconds if seconds > 0 else None


@hookimpl
def dag_policy(dag: Any) -> None:
    """Carry each task's SLA (and whether the DAG has an sla_miss_callback) in its executor_config."""
    has_callback = getattr(dag, "sla_miss_callback", None) is not None
    for task in getattr(dag, "tasks", ()):
        seconds = sla_seconds(constructor_arguments(task).get("sla"))
        if seconds is None:
            continue
        config = task.executor_config if isinstance(task.executor_config, dict) else {}
        task.executor_config = {**config, CARRIER_KEY: {"seconds": seconds, "callback": has_callback}}
