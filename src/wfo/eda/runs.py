"""EDA runs: a run of the system DAG `wfo_eda` with the source, kind and output folder in its conf.

The api-server only creates the DAG run (as Airflow's own trigger route does) and reads its state; the
analysis runs on a worker (`wfo.eda.task`). The run's id is the DAG run's id; its outputs are
`outputs/<source>/<kind>/<timestamp>/<report>.html` and the `.json` twin in the object store.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from wfo.eda.errors import BadSource, EdaError, RunNotFound
from wfo.eda.schemas import ReportKind
from wfo.eda.sources import FILE_SUFFIXES, dataset_file, parse_source
from wfo.settings import Settings
from wfo.storage.errors import ObjectNotFoundError, UnsafeNameError
from wfo.storage.names import safe_name
from wfo.storage.objectstore import ObjectStore

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DAG_ID = "wfo_eda"
REPORT_NAMES: dict[str, str] = {
    "preliminary": "preliminary_report",
    "data_importance": "table_and_feature_importance",
}
RUN_PREFIX = "eda__"


class EdaRunCreate(BaseModel):
    source: str = Field(
        max_length=4000,
        description="file:///..., store://<key>, conn://<conn_id>/<table>, "
        "conn://<conn_id>?query=<URL-encoded SELECT>, dataset://<name>[@<version>] or a dataset's name",
    )
    kind: ReportKind = "preliminary"
    target: str | None = Field(
        default=None, max_length=1000, description="The target column (data importance)."
    )
    task: Literal["classification", "regression"] | None = Field(
        default=None, description="Overrides the detected task of a data-importance run."
    )
    engine: Literal["auto", "polars", "spark"] = Field(
        default="auto",
        description="What computes the L0 statistics: polars on the worker, Spark on the config group, or "
        "auto (Spark for a file larger than WFO_EDA_SPARK_ABOVE_BYTES). Data importance runs on polars.",
    )
    config_group: str | None = Field(
        default=None,
        max_length=64,
        description="The config group of the Spark engine (default: the default group).",
    )


class EdaRunCreated(BaseModel):
    run_id: str
    dag_run_id: str
    output: str = Field(
        description="The report's object key; the JSON twin has the same name ending in .json."
    )


class EdaRunPublic(BaseModel):
    run_id: str
    state: str
    source: str
    kind: str
    output: str
    report_url: str | None = Field(description="Set once the run succeeded.")
    json_url: str | None
    dag_run_url: str


class DagNotReady(EdaError):
    """The wfo_eda DAG is not parsed yet (the platform is starting) or failed to import."""

    status = 503


def start_run(
    session: Session, body: EdaRunCreate, username: str, settings: Settings, *, upload_of: str | None = None
) -> EdaRunCreated:
    """Start a `wfo_eda` run; `upload_of` names the uploaded file a `store://eda-uploads/...` source holds
    (its outputs go under `outputs/upload_<name>/`, and the run deletes the upload once read)."""
    source = parse_source(body.source, settings)
    if source.scheme == "dataset":  # a name that is no dataset is refused here, not in a failed run
        dataset_file(source, ObjectStore.from_settings(settings))
    if body.kind == "data_importance" and not (body.target or "").strip():
        raise BadSource("A data-importance run needs a target column.")
    if body.kind == "data_importance" and body.engine == "spark":
        raise BadSource("Data importance runs on polars; the Spark engine computes preliminary reports only.")
    if body.config_group is not None:
        _check_group(session, body.config_group)
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H-%M-%SZ")
    run_id = f"{RUN_PREFIX}{stamp}__{secrets.token_hex(4)}"
    slug = source.slug if upload_of is None else "upload_" + re.sub(r"[^A-Za-z0-9._-]+", "_", upload_of)[:100]
    output = f"outputs/{slug}/{body.kind}/{stamp}/{REPORT_NAMES[body.kind]}.html"
    conf: dict[str, Any] = {
        "source": source.text,
        "kind": body.kind,
        "target": (body.target or "").strip() or None,
        "task": body.task,
        "output": output,
        "delete_source": upload_of is not None,
        "engine": body.engine,
        "config_group": body.config_group,
        "run_id": run_id,
    }
    _create_dag_run(session, run_id, conf, username)
    return EdaRunCreated(run_id=run_id, dag_run_id=run_id, output=output)


def _check_group(session: Session, name: str) -> None:
    from wfo.clusters.errors import GroupNotFound, InvalidGroupInput
    from wfo.clusters.stored import check_name, get_group

    try:
        get_group(session, check_name(name))
    except (GroupNotFound, InvalidGroupInput) as exc:
        raise BadSource(f"config_group: {exc}") from exc


UPLOADS = "eda-uploads"
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def start_upload_run(
    session: Session, filename: str, stream: BinaryIO, username: str, settings: Settings, store: ObjectStore
) -> EdaRunCreated:
    """A preliminary report of an uploaded file: stored under `eda-uploads/` until its run has read it."""
    try:
        name = safe_name(filename)
    except UnsafeNameError as exc:
        raise BadSource(f"The file name cannot be used: {exc}") from exc
    if not name.lower().endswith(FILE_SUFFIXES):
        raise BadSource(f"Upload a CSV, TSV or Excel file ({', '.join(FILE_SUFFIXES)}).")
    key = f"{UPLOADS}/{secrets.token_hex(8)}/{name}"
    store.put_stream(key, stream, max_bytes=MAX_UPLOAD_BYTES)
    body = EdaRunCreate(source=f"store://{quote(key)}", kind="preliminary")
    try:
        return start_run(session, body, username, settings, upload_of=name)
    except EdaError:
        store.delete(key, missing_ok=True)
        raise


def _create_dag_run(session: Session, run_id: str, conf: dict[str, Any], username: str) -> None:
    from airflow.models.dag import DagModel
    from airflow.models.dagbag import DBDagBag
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    model = session.scalar(select(DagModel).where(DagModel.dag_id == DAG_ID, ~DagModel.is_stale))
    dag = DBDagBag().get_latest_version_of_dag(DAG_ID, session=session) if model else None
    if model is None or dag is None or model.has_import_errors:
        raise DagNotReady(
            f"The {DAG_ID} DAG is not ready yet (being parsed, or failed to import); try again."
        )
    if model.is_paused:  # a system DAG: runs started here must run
        model.is_paused = False
    now = datetime.now(UTC)
    dag.create_dagrun(
        run_id=run_id,
        logical_date=None,
        data_interval=None,
        run_after=now,
        conf=conf,
        run_type=DagRunType.MANUAL,
        triggered_by=DagRunTriggeredByType.REST_API,
        triggering_user_name=username,
        state=DagRunState.QUEUED,
        session=session,
    )


def get_run(session: Session, run_id: str, api_prefix: str) -> EdaRunPublic:
    from airflow.models.dagrun import DagRun
    from airflow.utils.helpers import build_airflow_dagrun_url
    from sqlalchemy import select

    if not run_id.startswith(RUN_PREFIX):
        raise RunNotFound(f"No EDA run {run_id!r}.")
    run = session.scalar(select(DagRun).where(DagRun.dag_id == DAG_ID, DagRun.run_id == run_id))
    if run is None:
        raise RunNotFound(f"No EDA run {run_id!r}.")
    conf = run.conf or {}
    state = str(getattr(run.state, "value", run.state))
    done = state == "success"
    base = f"{api_prefix}/eda/runs/{run_id}"
    return EdaRunPublic(
        run_id=run_id,
        state=state,
        source=str(conf.get("source", "")),
        kind=str(conf.get("kind", "")),
        output=str(conf.get("output", "")),
        report_url=f"{base}/report" if done else None,
        json_url=f"{base}/report.json" if done else None,
        dag_run_url=str(build_airflow_dagrun_url(dag_id=DAG_ID, run_id=run_id)),
    )


MAX_REPORT_BYTES = 256 * 1024 * 1024


def read_output(
    session: Session, run_id: str, suffix: Literal[".html", ".json"], store: ObjectStore
) -> bytes:
    """The report (`.html`) or its JSON twin of a finished run; 404 while it runs or once deleted."""
    run = get_run(session, run_id, "")
    if run.report_url is None or not run.output.endswith(".html"):
        raise RunNotFound(f"The run {run_id!r} has no report (state {run.state}).")
    try:
        return store.get_bytes(run.output.removesuffix(".html") + suffix, max_bytes=MAX_REPORT_BYTES)
    except ObjectNotFoundError as exc:
        raise RunNotFound(f"The report of run {run_id!r} was deleted.") from exc
