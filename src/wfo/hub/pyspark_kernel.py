"""`python -m wfo.hub.pyspark_kernel -f <connection file>`: the "PySpark (<group>)" kernel.

Reads the published config group (`WFO_KERNEL_CONFIG_GROUP`, else the default) as a task does, renders it
with the render service the operators use (Hadoop XML, krb5.conf, keytabs, jars, py-files in a private
folder removed when the kernel ends), puts its environment in place (`PYSPARK_SUBMIT_ARGS` with the group's
master and confs, HADOOP_CONF_DIR, KRB5_CONFIG, SPARK_HOME) and starts IPython with `spark` (a
SparkSession) and `sc` already built. If the group cannot be read, the kernel still starts and `spark`
says why on first use. In a notebook task (`WFO_KERNEL_SPARK_FROM_ENVIRONMENT=1`, set by the task's private
kernel spec) the group was rendered by the operator: `spark` is built from that environment.
"""

from __future__ import annotations

import os
import sys

STARTUP = [
    "from pyspark.sql import SparkSession as _WfoSparkSession",
    "spark = _WfoSparkSession.builder.appName('wfo-notebook').getOrCreate()",
    "sc = spark.sparkContext",
    "sc.setLogLevel('WARN')",
    "del _WfoSparkSession",
]


def _failure_lines(message: str) -> list[str]:
    return [
        "class _WfoNoSpark:",
        f"    def __getattr__(self, name): raise RuntimeError({message!r})",
        "spark = sc = _WfoNoSpark()",
        "del _WfoNoSpark",
    ]


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
    from wfo.operators.jupyter import group_environment

    name = os.environ.get("WFO_KERNEL_CONFIG_GROUP") or None
    try:
        snapshot = load_group_snapshot(name)
    except GroupNotPublished as exc:
        launch(_failure_lines(f"no Spark session: {exc}"))
        return 0
    try:
        with render_group(snapshot) as rendered:
            os.environ.update(group_environment(rendered))
            launch(STARTUP)
    except RenderError as exc:
        launch(_failure_lines(f"no Spark session: config group {snapshot.get('name')!r}: {exc}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
