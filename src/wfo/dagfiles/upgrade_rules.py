"""What the legacy DAG upgrade rewrites, as data: moved imports, renamed arguments, removed context keys.

Read by `wfo.dagfiles.upgrade`; extend a table here to teach the upgrade a new rewrite.
"""

from __future__ import annotations

import re

from wfo.operators import OPERATOR_NAMES

STANDARD = "airflow.providers.standard"
_BASH = {"BashOperator": (f"{STANDARD}.operators.bash", "BashOperator")}
_PYTHON = {
    name: (f"{STANDARD}.operators.python", name)
    for name in (
        "PythonOperator",
        "BranchPythonOperator",
        "ShortCircuitOperator",
        "PythonVirtualenvOperator",
        "ExternalPythonOperator",
    )
}
_EMPTY = {
    "DummyOperator": (f"{STANDARD}.operators.empty", "EmptyOperator"),
    "EmptyOperator": (f"{STANDARD}.operators.empty", "EmptyOperator"),
}
_TRIGGER = {"TriggerDagRunOperator": (f"{STANDARD}.operators.trigger_dagrun", "TriggerDagRunOperator")}
_LATEST = {"LatestOnlyOperator": (f"{STANDARD}.operators.latest_only", "LatestOnlyOperator")}
_EXTERNAL = {
    name: (f"{STANDARD}.sensors.external_task", name) for name in ("ExternalTaskSensor", "ExternalTaskMarker")
}
_WFO = {name: ("wfo.operators", name) for name in OPERATOR_NAMES}
SDK = "airflow.sdk"

# Modules that exist only in Airflow 1.x: a name without a rule here is reported, not kept silently.
REMOVED_MODULES: dict[str, dict[str, tuple[str, str]]] = {
    "airflow.operators.bash_operator": _BASH,
    "airflow.operators.python_operator": _PYTHON,
    "airflow.operators.dummy_operator": _EMPTY,
    "airflow.operators.dummy": _EMPTY,
    "airflow.operators.dagrun_operator": {**_TRIGGER, "DagRunOrder": ("wfo.operators.dagrun", "DagRunOrder")},
    "airflow.operators.dag_operator": _WFO,
    "airflow.operators.latest_only_operator": _LATEST,
    "airflow.operators.email_operator": {
        "EmailOperator": ("airflow.providers.smtp.operators.smtp", "EmailOperator")
    },
    "airflow.operators.branch_operator": {
        "BaseBranchOperator": (f"{STANDARD}.operators.branch", "BaseBranchOperator")
    },
    "airflow.sensors.external_task_sensor": _EXTERNAL,
    "airflow.sensors.time_delta_sensor": {
        "TimeDeltaSensor": (f"{STANDARD}.sensors.time_delta", "TimeDeltaSensor")
    },
    "airflow.sensors.python_sensor": {"PythonSensor": (f"{STANDARD}.sensors.python", "PythonSensor")},
    "airflow.contrib.sensors.python_sensor": {"PythonSensor": (f"{STANDARD}.sensors.python", "PythonSensor")},
    "airflow.sensors.bash_sensor": {"BashSensor": (f"{STANDARD}.sensors.bash", "BashSensor")},
    "airflow.contrib.sensors.bash_sensor": {"BashSensor": (f"{STANDARD}.sensors.bash", "BashSensor")},
    "airflow.contrib.sensors.file_sensor": {"FileSensor": (f"{STANDARD}.sensors.filesystem", "FileSensor")},
    "airflow.operators.subdag_operator": {},
    "airflow.example_dags.subdags.subdag": {},
    "airflow.utils.dates": {},
    "airflow.utils.decorators": {},
    "airflow.operators.sensors": {
        **_EXTERNAL,
        "TimeDeltaSensor": (f"{STANDARD}.sensors.time_delta", "TimeDeltaSensor"),
        "BaseSensorOperator": (SDK, "BaseSensorOperator"),
    },
    "airflow.sensors.base_sensor_operator": {"BaseSensorOperator": (SDK, "BaseSensorOperator")},
    "airflow.hooks.base_hook": {"BaseHook": (SDK, "BaseHook")},
    "airflow.utils.helpers": {"chain": (SDK, "chain"), "cross_downstream": (SDK, "cross_downstream")},
    # 1.10 resolved operator names of plugins and core lazily under `airflow.operators`.
    "airflow.operators": {**_BASH, **_PYTHON, **_EMPTY, **_TRIGGER, **_LATEST, **_WFO},
}
# Modules Airflow 3 still imports with a deprecation warning: rewrite known names, keep the rest.
DEPRECATED_MODULES: dict[str, dict[str, tuple[str, str]]] = {
    "airflow": {"DAG": (SDK, "DAG")},
    "airflow.models": {name: (SDK, name) for name in ("DAG", "Variable", "BaseOperator", "Param")},
    "airflow.models.dag": {"DAG": (SDK, "DAG")},
    "airflow.models.baseoperator": {
        name: (SDK, name) for name in ("BaseOperator", "chain", "cross_downstream")
    },
    "airflow.models.variable": {"Variable": (SDK, "Variable")},
    "airflow.decorators": {name: (SDK, name) for name in ("dag", "task", "task_group")},
    "airflow.utils.task_group": {"TaskGroup": (SDK, "TaskGroup")},
    "airflow.utils.trigger_rule": {"TriggerRule": (SDK, "TriggerRule")},
    "airflow.operators.bash": _BASH,
    "airflow.operators.python": {**_PYTHON, "get_current_context": (SDK, "get_current_context")},
    "airflow.operators.empty": _EMPTY,
    "airflow.operators.trigger_dagrun": _TRIGGER,
    "airflow.operators.latest_only": _LATEST,
    "airflow.sensors.external_task": _EXTERNAL,
    "airflow.sensors.base": {"BaseSensorOperator": (SDK, "BaseSensorOperator")},
    "airflow.hooks.base": {"BaseHook": (SDK, "BaseHook")},
}
# Names whose every use the upgrade rewrites away; their import goes when no other use is left.
REWRITTEN_AWAY = {("airflow.utils.dates", "days_ago"), ("airflow.utils.decorators", "apply_defaults")}
SUBDAG_HINT = (
    "Airflow 3 has no sub-DAGs: group the tasks with a TaskGroup (from airflow.sdk import TaskGroup) "
    "or run the other DAG with DagOperator (from wfo.operators import DagOperator)"
)
# Imports dropped when nothing uses them, reported (and kept) when something does.
DROP_IF_UNUSED: dict[tuple[str, str], str] = {
    ("airflow.operators.subdag_operator", "SubDagOperator"): SUBDAG_HINT,
    ("airflow.example_dags.subdags.subdag", "subdag"): SUBDAG_HINT,
    ("airflow.operators", "SubDagOperator"): SUBDAG_HINT,
}
# Context/template variables Airflow 3 removed, with what to use instead.
REMOVED_CONTEXT = {
    "next_execution_date": "use data_interval_end",
    "next_ds": "use {{ data_interval_end | ds }}",
    "next_ds_nodash": "use {{ data_interval_end | ds_nodash }}",
    "prev_execution_date": "use prev_data_interval_start_success or data_interval_start",
    "prev_execution_date_success": "use prev_data_interval_start_success",
    "prev_ds": "use {{ data_interval_start | ds }} (interval schedules) or prev_data_interval_start_success",
    "prev_ds_nodash": "use {{ data_interval_start | ds_nodash }}",
    "yesterday_ds": "use {{ macros.ds_add(ds, -1) }}",
    "yesterday_ds_nodash": "use {{ macros.ds_add(ds, -1) | replace('-', '') }}",
    "tomorrow_ds": "use {{ macros.ds_add(ds, 1) }}",
    "tomorrow_ds_nodash": "use {{ macros.ds_add(ds, 1) | replace('-', '') }}",
}
TRIGGER_RULES = {"dummy": "always", "none_failed_or_skipped": "none_failed_min_one_success"}
DAG_KWARGS = {"schedule_interval": "schedule", "timetable": "schedule", "concurrency": "max_active_tasks"}
TASK_KWARGS = {"task_concurrency": "max_active_tis_per_dag"}
# Operators of these packages reject the fork's `description=` (wfo's operators accept it).
PLAIN_OPERATOR_MODULES = ("airflow.providers.standard.", "airflow.providers.smtp.")
# Names under which a task callable receives the context in the manual's code.
CONTEXT_NAMES = frozenset({"context", "ctx", "kwargs", "kw"})

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
EXEC_DATE = re.compile(r"(?<![\w.])execution_date\b|(?<=\bdag_run\.)execution_date\b")
REMOVED_VAR = re.compile(r"(?<![\w.])(" + "|".join(sorted(REMOVED_CONTEXT, key=len, reverse=True)) + r")\b")
ATTR_EXEC_DATE = re.compile(r"\.\s*execution_date\b")
LEGACY_MARKERS = re.compile(
    r"airflow\.(operators|models|sensors|hooks|contrib|utils|decorators|example_dags)|from\s+airflow\s+import"
    r"|schedule_interval|provide_context|execution_date|days_ago|SubDagOperator|task_concurrency"
    r"|timetable|concurrency|default_var|xcom_push|none_failed_or_skipped|dummy|" + "|".join(REMOVED_CONTEXT),
    re.IGNORECASE,
)
