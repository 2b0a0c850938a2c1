"""The sandboxed child that calls a DAG's `sla_miss_callback` (started by `wfo.sla.callback`).

Reads the request as JSON on stdin, points Airflow at a throwaway home before importing it, limits its
own address space, imports the DAG file and calls the callback with 1.10's arguments:
`(dag, task_list, blocking_task_list, slas, blocking_tis)`. The last line it prints says how it went.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from wfo.dagfiles.validator import use_sandbox_home


def prepare(sandbox: Path, memory_mb: int) -> None:
    use_sandbox_home(sandbox)  # the DAG validator's secret-free Airflow configuration
    limit = memory_mb * 1024 * 1024 + 512 * 1024 * 1024  # on top of the interpreter and Airflow
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def find_dag(fileloc: str, dag_id: str) -> Any:
    """Load the DAG file with Airflow's own parser (DagBag) and return the DAG with this id."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(fileloc)
    if dag_id not in bag.dags:
        errors = "; ".join(str(error).strip().splitlines()[-1] for error in bag.import_errors.values())
        raise RuntimeError(f"DAG {dag_id!r} not found in {fileloc}" + (f": {errors}" if errors else ""))
    return bag.dags[dag_id]


def call(request: dict[str, Any]) -> None:
    dag = find_dag(request["fileloc"], request["dag_id"])
    callback = getattr(dag, "sla_miss_callback", None)
    if callback is None:
        raise RuntimeError("the DAG has no sla_miss_callback")
    misses = request["misses"]
    slas = [SimpleNamespace(**miss, timestamp=miss["detected_at"], email_sent=False) for miss in misses]
    task_list = "\n".join(f"{m['task_id']} in {m['run_id']}" for m in misses)
    blocking = [m for m in misses if m["state"] not in ("running", "success")]
    blocking_task_list = "\n".join(f"{m['task_id']} in {m['run_id']}" for m in blocking)
    blocking_tis = [
        SimpleNamespace(dag_id=m["dag_id"], task_id=m["task_id"], run_id=m["run_id"], state=m["state"])
        for m in blocking
    ]
    from airflow.sdk.bases.notifier import BaseNotifier

    # One callable, or a list of them as Airflow's other callbacks take; an Airflow notifier
    # (`SmtpNotifier(...)`, `SlackNotifier(...)`) is called in its own SLA form, which has no `slas`.
    for each in callback if isinstance(callback, (list, tuple)) else [callback]:
        if isinstance(each, BaseNotifier):
            each(dag, task_list, blocking_task_list, blocking_tis)
        else:
            each(dag, task_list, blocking_task_list, slas, blocking_tis)


def main() -> int:
    request = json.loads(sys.stdin.read())
    prepare(Path(os.environ["WFO_SLA_SANDBOX"]), int(request.get("memory_mb", 1024)))
    try:
        call(request)
    except BaseException as exc:  # noqa: BLE001 - user code: report whatever it raised
        traceback.print_exc()
        print(f"\nWFO_SLA_CALLBACK {type(exc).__name__}: {exc}"[:400].replace("\n", " ").strip())
        return 1
    print("\nWFO_SLA_CALLBACK ok", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
