"""`python -m wfo.sparkconnect.script <script.py> [args...]`: run a PySpark script as a Spark Connect client.

The task's own process (see `wfo.operators.spark_connect`) starts this with `SPARK_REMOTE` naming the server
and a session id of its own: here the session is created first, the group's confs are set on it and its
py-files, jars and files are added as session artifacts; then the script runs as `__main__`, and its
`SparkSession.builder.getOrCreate()` returns that session. At the end (and on SIGTERM, after interrupting
what the session runs) the session is released on the server, with its temp views, confs and artifacts.

Settings come in the environment: `WFO_SPARK_CONNECT_CONFS` (JSON object), `WFO_SPARK_CONNECT_ARTIFACTS`
(JSON object: `{"pyfile": [paths], "jar": [paths], "file": [paths]}`).
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import threading
from pathlib import Path
from typing import Any

CONFS_ENV = "WFO_SPARK_CONNECT_CONFS"
ARTIFACTS_ENV = "WFO_SPARK_CONNECT_ARTIFACTS"
# Printed by this runner (and looked for by the operator) when the script needs what Spark Connect lacks.
UNSUPPORTED_MARK = "WFO_SPARK_CONNECT_UNSUPPORTED"
# Exit code of a run ended by SIGTERM (the task was killed), as a shell reports it.
KILLED = 143


def apply_confs(spark: Any, confs: dict[str, str]) -> list[str]:
    """Set each conf on the session; return those the server keeps for itself (static, core: memory ...)."""
    from pyspark.errors import PySparkException

    skipped = []
    for key, value in confs.items():
        try:
            spark.conf.set(key, value)
        except PySparkException:
            skipped.append(key)
    return skipped


def add_artifacts(spark: Any, artifacts: dict[str, list[str]]) -> None:
    pyfiles = [path for path in artifacts.get("pyfile", []) if path]
    if pyfiles:
        spark.addArtifacts(*pyfiles, pyfile=True)
        # The script's own imports run here, in the client: the same modules on its path.
        sys.path[1:1] = pyfiles
    jars = [path for path in artifacts.get("jar", []) if path]
    if jars:
        spark.addArtifacts(*jars)
    files = [path for path in artifacts.get("file", []) if path]
    if files:
        spark.addArtifacts(*files, file=True)


def _on_sigterm(spark: Any) -> Any:
    def handler(_signum: int, _frame: object) -> None:
        # Interrupt what the session runs on the server from another thread (the main one may be inside a
        # gRPC call), then end: `main`'s finally releases the session.
        worker = threading.Thread(target=spark.interruptAll, daemon=True)
        worker.start()
        worker.join(timeout=10)
        print("wfo: the task was killed: its Spark Connect operations were interrupted", file=sys.stderr)
        raise SystemExit(KILLED)

    return handler


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m wfo.sparkconnect.script <script.py> [args...]", file=sys.stderr)
        return 2
    script = Path(argv[0])
    if not script.is_file():
        print(f"wfo: the PySpark script {script} does not exist", file=sys.stderr)
        return 2
    confs: dict[str, str] = json.loads(os.environ.pop(CONFS_ENV, "{}"))
    artifacts: dict[str, list[str]] = json.loads(os.environ.pop(ARTIFACTS_ENV, "{}"))
    from pyspark.errors import PySparkAttributeError, PySparkNotImplementedError
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(os.environ["SPARK_REMOTE"]).getOrCreate()
    signal.signal(signal.SIGTERM, _on_sigterm(spark))
    try:
        skipped = apply_confs(spark, confs)
        if skipped:
            print(
                "wfo: kept by the Spark Connect server, not set for this session: "
                + ", ".join(sorted(skipped)),
                file=sys.stderr,
            )
        add_artifacts(spark, artifacts)
        sys.argv = [str(script), *argv[1:]]
        sys.path.insert(0, str(script.parent))
        try:
            runpy.run_path(str(script), run_name="__main__")
        except (PySparkAttributeError, PySparkNotImplementedError) as exc:
            if "JVM_ATTRIBUTE_NOT_SUPPORTED" not in str(exc) and "NOT_IMPLEMENTED" not in str(exc):
                raise
            print(f"{UNSUPPORTED_MARK} {exc}", file=sys.stderr)
            return 3
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        spark.stop()  # releases the session on the server: its temp views, confs and artifacts go with it
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
