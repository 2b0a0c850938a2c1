"""Schedule a notebook: a generated DAG file with one `CoutureJupyterOperator` task.

The file is saved through the DAG-files service like any other (validated in the validator process,
committed with the user as author, in the file's history, priority-parsed), under `notebook_schedules/`.
It is the schedule's only record: its first comment holds the schedule as JSON, which listing reads back;
editing rewrites the file, deleting deletes it (a "Delete" commit; the history stays).

One schedule per notebook: the DAG id comes from the notebook's path. Each run writes the executed notebook
to `common_workspace/runs/<dag id>/<name>__<run id>.ipynb` (characters a path refuses replaced by `_`), where
the Notebooks page finds it again from the run id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from typing import TYPE_CHECKING, Any

from wfo.dagfiles import service as dag_files
from wfo.dagfiles.errors import DagFileNotFound
from wfo.dagfiles.listing import parse_states
from wfo.hub.errors import ScheduleInvalid, ScheduleMissing
from wfo.hub.parameters import declared_parameters, typed_values
from wfo.hub.schemas import (
    NotebookRun,
    NotebookRuns,
    NotebookSchedule,
    NotebookScheduleCreate,
    NotebookScheduleSaved,
)
from wfo.notebooks.errors import NotebookNotFoundError, WorkspacePathError
from wfo.notebooks.workspace import WORKSPACE, NotebookWorkspace, display_path, notebook_path, workspace_path

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wfo.dagfiles.reading import DagCodeAccess
    from wfo.dagfiles.store import DagFolder

FOLDER = "notebook_schedules"
RUNS_FOLDER = "runs"
TASK_ID = "run_notebook"
ONCE = "@once"
_HEADER = "# wfo-notebook-schedule: "
_UNSAFE_RUN_ID = re.compile(r"[^A-Za-z0-9._-]")
# What Airflow's default run id pattern allows beyond a safe file name: replaced in the DAG's template too.
_RUN_ID_TEMPLATE = "{{ run_id | replace(':', '_') | replace('+', '_') | replace('~', '_') }}"
PARSE_TIMEOUT = 15.0


def scheduled_notebook(path: str) -> str:
    """The workspace path of a notebook to schedule (`team/q3.ipynb`); only common_workspace's notebooks,
    the folder tasks read, can be scheduled."""
    if not isinstance(path, str) or not path.strip("/").startswith(f"{WORKSPACE}/"):
        raise ScheduleInvalid(
            f"{path!r} is not in {WORKSPACE}: scheduled runs read notebooks from {WORKSPACE}, so move or "
            f"upload it there (e.g. {WORKSPACE}/report.ipynb) and schedule that"
        )
    try:
        return notebook_path(path)
    except WorkspacePathError as exc:
        raise ScheduleInvalid(str(exc)) from None


def schedule_dag_id(relative: str) -> str:
    """`notebook_<name>_<hash>`: readable, and unique per notebook path."""
    stem = re.sub(r"[^a-z0-9]+", "_", relative.removesuffix(".ipynb").lower()).strip("_")[:60] or "notebook"
    digest = hashlib.sha256(relative.encode()).hexdigest()[:8]
    return f"notebook_{stem}_{digest}"


def file_name(dag_id: str) -> str:
    return f"{FOLDER}/{dag_id}.py"


def default_output_folder(dag_id: str) -> str:
    return display_path(f"{RUNS_FOLDER}/{dag_id}")


def output_folder(folder: str | None, dag_id: str) -> str:
    """The folder of a schedule's outputs as users name it (`common_workspace/...`); `ScheduleInvalid`
    for one outside common_workspace (tasks write there) or one that names a notebook."""
    if not folder or not folder.strip("/ "):
        return default_output_folder(dag_id)
    folder = folder.strip().rstrip("/")
    if not folder.startswith(f"{WORKSPACE}/"):
        raise ScheduleInvalid(
            f"the output folder must be inside {WORKSPACE} (e.g. {WORKSPACE}/reports), not {folder!r}"
        )
    try:
        relative = workspace_path(folder)
    except WorkspacePathError as exc:
        raise ScheduleInvalid(f"the output folder is refused: {exc}") from None
    if relative.endswith(".ipynb"):
        raise ScheduleInvalid(
            "give the output folder, not a notebook: each run writes a notebook named after it"
        )
    return display_path(relative)


def output_path(dag_id: str, relative: str, run_id: str, folder: str | None = None) -> str:
    """Where the run `run_id` of the schedule writes its executed notebook (display path)."""
    stem = relative.rsplit("/", 1)[-1].removesuffix(".ipynb")
    return f"{folder or default_output_folder(dag_id)}/{stem}__{_UNSAFE_RUN_ID.sub('_', run_id)}.ipynb"


def next_runs(schedule: str, count: int = 5, after: dt.datetime | None = None) -> list[dt.datetime]:
    """The next `count` times a cron schedule fires (UTC); `[]` for "@once"; `ScheduleInvalid` if it is
    not a cron expression croniter (Airflow's cron parser) accepts."""
    from croniter import croniter

    schedule = schedule.strip()
    if schedule == ONCE:
        return []
    if not schedule or not croniter.is_valid(schedule):
        raise ScheduleInvalid(
            f"{schedule!r} is not a cron expression; give five fields (minute hour day month weekday), "
            "e.g. '0 6 * * 1-5', or @once"
        )
    start = after or dt.datetime.now(dt.UTC)
    iterator = croniter(schedule, start)
    return [iterator.get_next(dt.datetime).astimezone(dt.UTC) for _ in range(count)]


def _dag_url(base_url: str, dag_id: str) -> str:
    return f"{base_url}/dags/{dag_id}"


def dag_source(spec: dict[str, Any]) -> str:
    """The DAG file of a schedule (`spec`: notebook, schedule, parameters, config_group, owner, created)."""
    relative = notebook_path(spec["notebook"])
    dag_id = schedule_dag_id(relative)
    stem = relative.rsplit("/", 1)[-1].removesuffix(".ipynb")
    output = f"{spec.get('output_folder') or default_output_folder(dag_id)}/{stem}__{_RUN_ID_TEMPLATE}.ipynb"
    created = dt.datetime.fromisoformat(spec["created"]).astimezone(dt.UTC)
    group = f"        config_group={spec['config_group']!r},\n" if spec.get("config_group") else ""
    # repr() of checked plain data (text, numbers, booleans, None, lists, dicts) is a Python literal.
    return (
        f'"""Scheduled notebook {display_path(relative)} (written by the Notebooks page of wfo: edit or delete\n'
        'the schedule there; a change made here is overwritten by the next edit)."""\n'
        "\n"
        f"{_HEADER}{json.dumps(spec, sort_keys=True, ensure_ascii=True)}\n"
        "from __future__ import annotations\n"
        "\n"
        "import datetime\n"
        "\n"
        "from airflow.sdk import DAG\n"
        "\n"
        "from wfo.operators import CoutureJupyterOperator\n"
        "\n"
        "with DAG(\n"
        f"    dag_id={dag_id!r},\n"
        f"    schedule={spec['schedule']!r},\n"
        f"    start_date=datetime.datetime({created.year}, {created.month}, {created.day}, {created.hour}, "
        f"{created.minute}, tzinfo=datetime.timezone.utc),\n"
        "    catchup=False,\n"
        "    is_paused_upon_creation=False,\n"
        f"    default_args={{'owner': {spec['owner']!r}}},\n"
        f"    description={('Runs ' + display_path(relative))!r},\n"
        "    tags=['notebook'],\n"
        "):\n"
        "    CoutureJupyterOperator(\n"
        f"        task_id={TASK_ID!r},\n"
        f"        input_notebook={display_path(relative)!r},\n"
        f"        output_notebook={output!r},\n"
        f"        parameters={spec['parameters']!r},\n"
        f"{group}"
        "    )\n"
    )


def read_spec(content: str) -> dict[str, Any] | None:
    """The schedule recorded in a generated file's header, or None for any other file."""
    for line in content.splitlines()[:6]:
        if line.startswith(_HEADER):
            try:
                spec = json.loads(line[len(_HEADER) :])
            except json.JSONDecodeError:
                return None
            return spec if isinstance(spec, dict) else None
    return None


def _public(spec: dict[str, Any], base_url: str) -> NotebookSchedule:
    relative = notebook_path(spec["notebook"])
    dag_id = schedule_dag_id(relative)
    try:
        upcoming = next_runs(str(spec["schedule"]))
    except ScheduleInvalid:
        upcoming = []
    return NotebookSchedule(
        dag_id=dag_id,
        dag_url=_dag_url(base_url, dag_id),
        file=file_name(dag_id),
        notebook=display_path(relative),
        schedule=str(spec["schedule"]),
        parameters=dict(spec.get("parameters") or {}),
        config_group=spec.get("config_group"),
        owner=str(spec.get("owner", "")),
        output_folder=str(spec.get("output_folder") or default_output_folder(dag_id)),
        next_runs=upcoming,
    )


def save_schedule(
    session: Session,
    folder: DagFolder,
    workspace: NotebookWorkspace,
    request: NotebookScheduleCreate,
    username: str,
    base_url: str,
    access: DagCodeAccess | None = None,
) -> NotebookScheduleSaved:
    """Create or rewrite the notebook's schedule; returns once Airflow parsed it (or after PARSE_TIMEOUT)."""
    relative = scheduled_notebook(request.notebook)
    schedule = request.schedule.strip()
    next_runs(schedule)
    try:
        notebook = workspace.read(relative)
    except NotebookNotFoundError as exc:
        raise ScheduleInvalid(f"{exc}; upload it first") from None
    parameters = typed_values(request.parameters, declared_parameters(notebook))
    if request.config_group:
        from wfo.clusters.stored import get_group

        get_group(session, request.config_group)
    dag_id = schedule_dag_id(relative)
    name = file_name(dag_id)
    created = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    try:
        _, current = folder.read(name)
        previous = read_spec(current) or {}
        created = dt.datetime.fromisoformat(str(previous.get("created", created.isoformat())))
    except DagFileNotFound:
        current = None
    spec = {
        "notebook": display_path(relative),
        "schedule": schedule,
        "parameters": parameters,
        "config_group": request.config_group or None,
        "owner": username,
        "created": created.isoformat(),
        "output_folder": output_folder(request.output_folder, dag_id),
    }
    saved = dag_files.save(
        folder,
        name,
        dag_source(spec),
        folder.current_revision(name) if current is not None else None,
        username,
        message=f"{'Schedule' if current is None else 'Reschedule'} {display_path(relative)} ({schedule})",
        access=access,
    )
    state = wait_until_parsed(folder, saved.name)
    return NotebookScheduleSaved(**_public(spec, base_url).model_dump(), state=state)


def wait_until_parsed(folder: DagFolder, name: str, timeout: float = PARSE_TIMEOUT) -> str:
    """Poll Airflow's tables until the saved file is parsed (the priority parse takes about half a second)."""
    from airflow.utils.session import create_session

    info, _ = folder.read(name)
    deadline = time.monotonic() + timeout
    while True:
        with create_session(scoped=False) as session:
            state = parse_states(session, [(name, info.modified)])[name].state
        if state != "pending" or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def list_schedules(
    folder: DagFolder, base_url: str, access: DagCodeAccess | None = None
) -> list[NotebookSchedule]:
    """Every schedule (with `access`: those whose DAG file the user may read, as in the DAG-files list)."""
    from wfo.dagfiles import reading

    files = (
        [entry.file for entry in reading.list_files(folder, access)] if access is not None else folder.files()
    )
    found = []
    for entry in files:
        if entry.name.startswith(f"{FOLDER}/"):
            _, content = folder.read(entry.name)
            spec = read_spec(content)
            if spec is not None and "notebook" in spec:
                try:
                    found.append(_public(spec, base_url))
                except WorkspacePathError:
                    continue  # edited by hand into something that is no schedule of ours
    return found


def delete_schedule(
    folder: DagFolder, dag_id: str, username: str, access: DagCodeAccess | None = None
) -> str:
    """Delete the schedule's file (a commit; its history stays); returns the file's name."""
    if not re.fullmatch(r"notebook_[a-z0-9_]+", dag_id):
        raise ScheduleMissing(f"there is no notebook schedule {dag_id!r}")
    try:
        change = dag_files.delete(folder, file_name(dag_id), None, username, access=access)
    except DagFileNotFound:
        raise ScheduleMissing(f"there is no notebook schedule {dag_id!r}") from None
    return change.name


def list_runs(session: Session, folder: DagFolder, notebook: str, limit: int = 100) -> NotebookRuns:
    """The runs of the notebook's schedule, newest first, each with where its output notebook is: the path
    the task rendered (Airflow keeps the rendered fields of recent runs), else the schedule's current one."""
    from airflow.models.dagrun import DagRun
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from sqlalchemy import select

    relative = scheduled_notebook(notebook)
    dag_id = schedule_dag_id(relative)
    try:
        current = read_spec(folder.read(file_name(dag_id))[1]) or {}
    except DagFileNotFound:
        current = {}
    rows = session.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).limit(limit)
    ).all()
    rendered: dict[str, str] = {}
    if rows:
        fields = session.execute(
            select(RenderedTaskInstanceFields.run_id, RenderedTaskInstanceFields.rendered_fields).where(
                RenderedTaskInstanceFields.dag_id == dag_id,
                RenderedTaskInstanceFields.task_id == TASK_ID,
                RenderedTaskInstanceFields.run_id.in_([run.run_id for run in rows]),
            )
        ).all()
        for run_id, values in fields:
            output = (values or {}).get("output_notebook") if isinstance(values, dict) else None
            if isinstance(output, str):
                rendered[run_id] = output
    return NotebookRuns(
        dag_id=dag_id,
        runs=[
            NotebookRun(
                dag_run_id=run.run_id,
                state=str(run.state) if run.state is not None else None,
                output=rendered.get(run.run_id)
                or output_path(dag_id, relative, run.run_id, current.get("output_folder")),
                logical_date=run.logical_date,
                start_date=run.start_date,
                end_date=run.end_date,
            )
            for run in rows
        ],
    )
