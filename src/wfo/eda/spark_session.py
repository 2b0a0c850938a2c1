"""The SparkSession of an EDA run on the Spark engine: built from a published config group, as the Spark
operators and the PySpark kernel build theirs.

The group (the run's `config_group`, else the default one) is read from its signed snapshot and rendered by
`wfo.clusters.render` (Hadoop XML, krb5.conf, keytabs in a private folder removed at the end). With the
group's Spark engine `submit` the session is a driver in this task's process (`PYSPARK_SUBMIT_ARGS` with the
group's master, `local[*]` when it names none, and its confs); with `connect` it is a Spark Connect session of
its own on the group's server (wfo's own one, started if it waits for its first use). The engine uses the
DataFrame API only, so both work. The group's py-files and jars are not added: EDA runs no user code.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from wfo.eda.errors import EdaError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from wfo.clusters.render import RenderedGroup

DEFAULT_MASTER = "local[*]"


class SparkUnavailable(EdaError):
    """The run's config group cannot give a Spark session (not published, not renderable, server down)."""

    status = 422


def submit_environment(rendered: RenderedGroup) -> dict[str, str]:
    """The environment a classic PySpark driver reads: the group's files, master and confs."""
    from wfo.clusters.spark_args import to_spark_submit_options

    env = {str(k): str(v) for k, v in rendered.env.items()}
    arguments = {k: v for k, v in rendered.spark_arguments.items() if k not in ("jars", "py-files", "files")}
    arguments["master"] = str(arguments.get("master") or DEFAULT_MASTER)
    confs = {str(k): str(v) for k, v in rendered.spark_confs.items()}
    env["PYSPARK_SUBMIT_ARGS"] = shlex.join([*to_spark_submit_options(arguments, confs), "pyspark-shell"])
    if rendered.spark_home:
        env["SPARK_HOME"] = str(rendered.spark_home)
    return env


@contextlib.contextmanager
def group_session(group: str | None, label: str) -> Iterator[SparkSession]:
    """A session on `group` (None: the default group), stopped (and its files removed) at the end."""
    from wfo.clusters.published import GroupNotPublished, load_group_snapshot
    from wfo.clusters.render import RenderError, render_group
    from wfo.clusters.spark_engine import engine_from_snapshot

    try:
        snapshot = load_group_snapshot(group)
    except GroupNotPublished as exc:
        raise SparkUnavailable(f"the Spark engine needs a published config group: {exc}") from exc
    name = str(snapshot.get("name"))
    try:
        with render_group(snapshot) as rendered:
            engine = engine_from_snapshot(snapshot)
            spark = (
                _connect(engine, rendered, label)
                if engine["engine"] == "connect"
                else _submit(rendered, label)
            )
            try:
                yield spark
            finally:
                spark.stop()
    except RenderError as exc:
        raise SparkUnavailable(f"config group {name!r} cannot be used: {exc}") from exc


def _submit(rendered: RenderedGroup, label: str) -> SparkSession:
    from pyspark.sql import SparkSession

    os.environ.update(submit_environment(rendered))
    return SparkSession.builder.appName(label).getOrCreate()


def _connect(engine: dict[str, Any], rendered: RenderedGroup, label: str) -> SparkSession:
    from pyspark.sql import SparkSession

    from wfo.settings import get_settings
    from wfo.sparkconnect.local import ServerUnavailable, ensure_started, session_remote
    from wfo.sparkconnect.script import apply_confs

    if engine.get("url"):
        url, token = str(engine["url"]), str(engine.get("token") or "")
    else:
        try:
            url, token = ensure_started(get_settings())
        except ServerUnavailable as exc:
            raise SparkUnavailable(f"no Spark Connect server: {exc}") from exc
    if token:
        os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = token
    spark = SparkSession.builder.remote(session_remote(url, str(uuid.uuid4()), label)).getOrCreate()
    apply_confs(spark, {str(k): str(v) for k, v in rendered.spark_confs.items()})
    return spark
