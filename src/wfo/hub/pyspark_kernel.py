"""`python -m wfo.hub.pyspark_kernel -f <connection file>`: the "PySpark (<group>)" kernel.

Reads the published config group (`WFO_KERNEL_CONFIG_GROUP`, else the default) as a task does, renders it
with the render service the operators use (Hadoop XML, krb5.conf, keytabs, jars, py-files in a private
folder removed when the kernel ends), puts its environment in place (`PYSPARK_SUBMIT_ARGS` with the group's
master and confs, HADOOP_CONF_DIR, KRB5_CONFIG, SPARK_HOME) and starts IPython with `spark` (a
SparkSession) and `sc` already built. If the group cannot be read, the kernel still starts and `spark`
says why on first use. In a notebook task (`WFO_KERNEL_SPARK_FROM_ENVIRONMENT=1`, set by the task's private
kernel spec) the group was rendered by the operator: `spark` is built from that environment.

On a group whose Spark engine is `connect` (`wfo.clusters.spark_engine`) `spark` is a Spark Connect session of
its own on the group's server (wfo's own one started if it waits for its first use), with the group's confs
and py-files; it is ready in about a second, and there is no `sc` (Spark Connect has no SparkContext).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wfo.clusters.render import RenderedGroup

STARTUP = [
    "from pyspark.sql import SparkSession as _WfoSparkSession",
    "spark = _WfoSparkSession.builder.appName('wfo-notebook').getOrCreate()",
    "sc = spark.sparkContext",
    "sc.setLogLevel('WARN')",
    "del _WfoSparkSession",
]


CONNECT_STARTUP = [
    "import atexit as _wfo_atexit, json as _wfo_json, os as _wfo_os",
    "from pyspark.sql import SparkSession as _WfoSparkSession",
    "from wfo.sparkconnect.script import add_artifacts as _wfo_add, apply_confs as _wfo_apply",
    "spark = _WfoSparkSession.builder.remote(_wfo_os.environ['SPARK_REMOTE']).getOrCreate()",
    "_wfo_apply(spark, _wfo_json.loads(_wfo_os.environ.pop('WFO_SPARK_CONNECT_CONFS', '{}')))",
    "_wfo_add(spark, _wfo_json.loads(_wfo_os.environ.pop('WFO_SPARK_CONNECT_ARTIFACTS', '{}')))",
    "_wfo_atexit.register(spark.stop)",
    "del _wfo_atexit, _wfo_json, _wfo_os, _WfoSparkSession, _wfo_add, _wfo_apply",
]


def _connect_lines(group: str) -> list[str]:
    """`spark` on the group's Spark Connect server; `sc` says why it is missing."""
    message = (
        f"config group {group!r} runs PySpark through Spark Connect, which has no SparkContext (sc): use "
        "spark (the DataFrame API), or a group whose Spark engine is spark-submit"
    )
    return [*CONNECT_STARTUP, *_unavailable_lines(("sc",), message)]


class Unavailable:
    """Stands for `spark`/`sc` where there is none: any use raises with the reason."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(self._reason)

    def __repr__(self) -> str:
        return f"<unavailable: {self._reason}>"


def _unavailable_lines(names: tuple[str, ...], message: str) -> list[str]:
    # One statement per line: IPython runs each of `exec_lines` as a cell of its own.
    return [
        f"from wfo.hub.pyspark_kernel import Unavailable as _WfoUnavailable; {' = '.join(names)} = _WfoUnavailable({message!r}); del _WfoUnavailable"
    ]


def _failure_lines(message: str) -> list[str]:
    return _unavailable_lines(("spark", "sc"), message)


def main(argv: list[str]) -> int:
    from ipykernel.kernelapp import IPKernelApp
    from traitlets.config import Config

    def launch(lines: list[str]) -> None:
        config = Config()
        config.IPKernelApp.exec_lines = lines
        IPKernelApp.launch_instance(argv=argv, config=config)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if os.environ.get("WFO_KERNEL_SPARK_FROM_ENVIRONMENT") == "1":
        # In a notebook task: the operator rendered the group already (PYSPARK_SUBMIT_ARGS, HADOOP_CONF_DIR).
        launch(STARTUP)
        return 0
    # Only now Airflow (through the published group): a task's kernel must not import it (no DB there).
    from wfo.clusters.published import GroupNotPublished, load_group_snapshot
    from wfo.clusters.render import RenderError, render_group
    from wfo.clusters.spark_engine import engine_from_snapshot
    from wfo.operators.jupyter import group_environment

    name = os.environ.get("WFO_KERNEL_CONFIG_GROUP") or None
    try:
        snapshot = load_group_snapshot(name)
    except GroupNotPublished as exc:
        launch(_failure_lines(f"no Spark session: {exc}"))
        return 0
    try:
        with render_group(snapshot) as rendered:
            if engine_from_snapshot(snapshot)["engine"] == "connect":
                launch(_connect_environment(snapshot, rendered))
                return 0
            os.environ.update(group_environment(rendered))
            launch(STARTUP)
    except RenderError as exc:
        launch(_failure_lines(f"no Spark session: config group {snapshot.get('name')!r}: {exc}"))
    return 0


def _connect_environment(snapshot: dict[str, Any], rendered: RenderedGroup) -> list[str]:
    """Point this kernel at the group's Spark Connect server (a session of its own); the startup lines."""
    import json
    import uuid

    from wfo.clusters.spark_engine import engine_from_snapshot
    from wfo.operators.spark_connect import artifacts_of, server_of
    from wfo.sparkconnect.local import ServerUnavailable, session_remote
    from wfo.sparkconnect.script import ARTIFACTS_ENV, CONFS_ENV

    group = str(snapshot.get("name"))
    try:
        url, token = server_of(engine_from_snapshot(snapshot))
    except ServerUnavailable as exc:
        return _failure_lines(f"no Spark session: config group {group!r}: {exc}")
    label = f"notebook:{os.environ.get('JUPYTERHUB_USER', 'unknown')}"
    os.environ["SPARK_REMOTE"] = session_remote(url, str(uuid.uuid4()), label)
    if token:
        os.environ["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = token
    os.environ[CONFS_ENV] = json.dumps({str(k): str(v) for k, v in rendered.spark_confs.items()})
    os.environ[ARTIFACTS_ENV] = json.dumps(artifacts_of(rendered.spark_arguments))
    return _connect_lines(group)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
