"""SparkOperator, CoutureSparkOperator, PySparkOperator and CouturePySparkOperator.

Thin operators in the manual's shape: the constructor only stores arguments (DAG parsing stays fast);
`execute()` reads the config group from its Airflow connection (tasks cannot use the metadata DB),
renders it into a private directory, fetches the code artifact there, and submits through the official
Spark provider's hook. The directory is removed when the task ends, also on failure or kill.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from wfo.operators.described import with_description
from wfo.operators.payload import COUTURE_FIELDS, CouturePayloadMixin

if TYPE_CHECKING:
    from airflow.sdk import Context

    from wfo.clusters.render import RenderedGroup
    from wfo.operators.spark_connect import ConnectRun
    from wfo.operators.spark_hook import GroupSparkSubmitOperator

WORKFLOW_TASK_ID = "spark.workflow.taskId"
WORKFLOW_DAG_ID = "spark.workflow.dagId"
PYTHON_CONFS = (
    "spark.pyspark.python",
    "spark.yarn.appMasterEnv.PYSPARK_PYTHON",
    "spark.executorEnv.PYSPARK_PYTHON",
)


class SparkOperator(BaseOperator):
    """Submit a JVM Spark application (a jar from the code-artifact repository) with a config group.

    :param method_id: the method the application runs (kept for the payload variants and the UI)
    :param app_name: Spark application name (``--name``)
    :param class_path: fully qualified main class (``--class``)
    :param code_artifact: artifact name in the code-artifact repository, e.g. ``'etl.jar'`` (latest version)
    :param application_arguments: arguments passed to the application's main method
    :param description: what the task does (shown as the task's documentation)
    :param config_group: config group to use; the default group when not given
    :param conf: per-task ``--conf`` overrides on top of the group's configuration
    :param python_conf: PySpark only: a conf key of the group's Spark configuration that holds the
        Python to use (e.g. ``'spark.yarn.appMasterEnv.PYSPARK_PYTHON'``), or an absolute interpreter path
    :param spark_engine: PySpark only: ``'submit'`` or ``'connect'`` for this task, instead of what the config
        group says (its ``spark-engine`` setting); JVM applications always use spark-submit
    """

    template_fields: Sequence[str] = (
        "method_id",
        "app_name",
        "class_path",
        "code_artifact",
        "application_arguments",
        "conf",
        "config_group",
    )
    ui_color = "#f4a460"
    is_python = False

    def __init__(
        self,
        *,
        method_id: str | None = None,
        app_name: str | None = None,
        class_path: str | None = None,
        code_artifact: str,
        application_arguments: list[Any] | None = None,
        description: str | None = None,
        config_group: str | None = None,
        conf: dict[str, Any] | None = None,
        python_conf: str | None = None,
        spark_engine: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_description(kwargs, description))
        self.method_id = method_id
        self.app_name = app_name
        self.class_path = class_path
        self.code_artifact = code_artifact
        self.application_arguments = list(application_arguments or [])
        self.description = description
        self.config_group = config_group
        self.conf = dict(conf or {})
        self.python_conf = python_conf
        if spark_engine not in (None, "submit", "connect"):
            raise ValueError(f"spark_engine must be 'submit', 'connect' or None, not {spark_engine!r}")
        if spark_engine == "connect" and not self.is_python:
            raise ValueError(
                "spark_engine='connect' is for PySpark tasks: JVM applications run with spark-submit"
            )
        self.spark_engine = spark_engine
        self._submitter: GroupSparkSubmitOperator | None = None
        self._connect_run: ConnectRun | None = None

    # --- what the job receives --------------------------------------------------------------------
    def application_args(self, context: Context) -> list[str]:
        return [str(arg) for arg in self.application_arguments]

    def spark_confs(self, rendered: RenderedGroup, context: Context) -> dict[str, str]:
        confs = {str(k): str(v) for k, v in rendered.spark_confs.items()}
        confs.update({str(k): str(v) for k, v in self.conf.items()})
        if self.is_python and self.python_conf:
            python = self._resolve_python(confs)
            for key in PYTHON_CONFS:
                confs[key] = python
        confs[WORKFLOW_TASK_ID] = self.task_id
        confs[WORKFLOW_DAG_ID] = self.dag_id
        return confs

    def _resolve_python(self, confs: dict[str, str]) -> str:
        assert self.python_conf is not None
        if self.python_conf.startswith("/"):
            return self.python_conf
        if self.python_conf in confs and confs[self.python_conf].strip():
            return confs[self.python_conf].strip()
        raise ValueError(
            f"python_conf={self.python_conf!r} is neither an absolute path nor a configuration of the "
            f"config group (known: {sorted(k for k in confs if 'PYTHON' in k.upper())})"
        )

    # --- running ----------------------------------------------------------------------------------
    def execute(self, context: Context) -> None:
        from wfo.clusters.published import load_group_snapshot
        from wfo.clusters.render import render_group
        from wfo.operators.spark_hook import (
            GroupSparkSubmitHook,
            GroupSparkSubmitOperator,
            hook_arguments,
            resource_manager_auth,
            resource_manager_url,
            tracks_the_job,
        )
        from wfo.repositories.code_artifacts import fetch_code_artifact

        snapshot = load_group_snapshot(self.config_group)
        self.log.info("Config group %r", snapshot.get("name"))
        engine = self._engine(snapshot)
        if engine["engine"] == "connect":
            self._execute_connect(snapshot, engine, context)
            return
        with render_group(snapshot) as rendered:
            application = fetch_code_artifact(self.code_artifact, Path(rendered.directory) / "app")
            arguments = dict(rendered.spark_arguments)
            master = str(arguments.pop("master", None) or "local[*]")
            keywords, confs = hook_arguments(arguments, self.spark_confs(rendered, context))
            # The environment of spark-submit itself (not the hook's env_vars, which on YARN would also
            # be copied into the ApplicationMaster's environment, local paths and PATH included).
            env = {**os.environ, **rendered.env}
            if self.is_python and self.python_conf:
                env["PYSPARK_PYTHON"] = confs["spark.pyspark.python"]
            if rendered.spark_home:
                env["PATH"] = f"{Path(rendered.spark_home) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
            cluster_mode = keywords.get("deploy_mode") == "cluster"
            hook = GroupSparkSubmitHook(
                master=master,
                env=env,
                rm_url=resource_manager_url(rendered.hadoop_conf_dir),
                conf=confs,
                name=self.app_name or self.task_id,
                java_class=None if self.is_python else self.class_path,
                application_args=self.application_args(context),
                yarn_track_via_rm_api=master.startswith("yarn") and cluster_mode,
                yarn_rm_auth=resource_manager_auth(rendered.hadoop_conf_dir),
                **keywords,
            )
            # Composed, not executed: see GroupSparkSubmitOperator.
            self._submitter = GroupSparkSubmitOperator(
                task_id=self.task_id,
                application=str(application),
                hook=hook,
                conf=confs,
                tracked=tracks_the_job(master, keywords.get("deploy_mode")),
            )
            self._submitter.run(context)

    def _engine(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """The group's Spark engine, with this task's `spark_engine` over it (JVM jobs: always spark-submit)."""
        from wfo.clusters.spark_engine import engine_from_snapshot

        engine = engine_from_snapshot(snapshot)
        if not self.is_python:
            return {**engine, "engine": "submit"}
        return {**engine, "engine": self.spark_engine or engine["engine"]}

    def _execute_connect(self, snapshot: dict[str, Any], engine: dict[str, Any], context: Context) -> None:
        """Run the script as a Spark Connect client in a session of its own (`wfo.operators.spark_connect`)."""
        from airflow.sdk.exceptions import AirflowException

        from wfo.clusters.render import render_group
        from wfo.operators.spark_connect import (
            ConnectRun,
            SparkConnectUnsupported,
            artifacts_of,
            failure_message,
            server_of,
            unsupported_message,
            unsupported_uses,
        )
        from wfo.repositories.code_artifacts import fetch_code_artifact

        group = str(snapshot.get("name"))
        with render_group(snapshot) as rendered:
            script = fetch_code_artifact(self.code_artifact, Path(rendered.directory) / "app")
            uses = unsupported_uses(Path(script).read_text(encoding="utf-8", errors="replace"))
            if uses:
                raise SparkConnectUnsupported(unsupported_message(group, self.task_id, "; ".join(uses[:5])))
            url, token = server_of(engine)
            run = self._connect_run = ConnectRun(self.log.info)
            self.log.info("Spark Connect: %s, session %s", url, run.session_id)
            env = run.environment(
                url, token, self.spark_confs(rendered, context), artifacts_of(rendered.spark_arguments)
            )
            code, tail = run.run(Path(script), self.application_args(context), env, Path(rendered.directory))
        if code != 0:
            raise AirflowException(failure_message(code, tail, group, self.task_id))

    def on_kill(self) -> None:
        if self._submitter is not None:
            self._submitter.on_kill()
        if self._connect_run is not None:
            self._connect_run.kill()


class CoutureSparkOperator(CouturePayloadMixin, SparkOperator):
    """SparkOperator whose application receives the Couture payload (DESIGN §4) as its only argument."""

    template_fields: Sequence[str] = (*SparkOperator.template_fields, *COUTURE_FIELDS)

    def application_args(self, context: Context) -> list[str]:
        return [self.couture_payload(), *super().application_args(context)]


class PySparkOperator(SparkOperator):
    """Submit a PySpark application (a `.py` code artifact) with a config group."""

    ui_color = "#ffd580"
    is_python = True


class CouturePySparkOperator(CoutureSparkOperator):
    """PySparkOperator whose script receives the Couture payload; see `wfo.task.run_method`."""

    ui_color = "#ffd580"
    is_python = True
