"""The official SparkSubmitHook, fed from a rendered config group instead of an Airflow connection.

We keep everything the provider does (status tracking, YARN cluster-mode tracking through the
ResourceManager REST API, kill on task kill, masking of secrets in its output) and change only where its
settings come from: the master, deploy mode and queue from the group's Spark arguments, the keytab from
the group's private render directory (the provider would write a connection's keytab to a shared temp
path and never delete it), the ResourceManager address from the group's yarn-site.xml.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from requests.auth import AuthBase

if TYPE_CHECKING:
    from airflow.sdk import Context

# spark-submit arguments the hook has no parameter for: passed as their equivalent --conf.
ARGUMENT_CONFS = {
    "driver-cores": "spark.driver.cores",
    "driver-java-options": "spark.driver.extraJavaOptions",
    "driver-library-path": "spark.driver.extraLibraryPath",
}
# spark-submit argument -> SparkSubmitHook keyword.
HOOK_KEYWORDS = {
    "files": "files",
    "py-files": "py_files",
    "archives": "archives",
    "driver-class-path": "driver_class_path",
    "jars": "jars",
    "packages": "packages",
    "exclude-packages": "exclude_packages",
    "repositories": "repositories",
    "total-executor-cores": "total_executor_cores",
    "executor-cores": "executor_cores",
    "executor-memory": "executor_memory",
    "driver-memory": "driver_memory",
    "keytab": "keytab",
    "principal": "principal",
    "proxy-user": "proxy_user",
    "num-executors": "num_executors",
    "properties-file": "properties_file",
    "queue": "yarn_queue",
    "deploy-mode": "deploy_mode",
    "verbose": "verbose",
}
INTEGER_KEYWORDS = {"total_executor_cores", "executor_cores", "num_executors"}
RM_ADDRESS_KEYS = ("yarn.resourcemanager.webapp.https.address", "yarn.resourcemanager.webapp.address")


def hook_arguments(arguments: dict[str, Any], confs: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split rendered spark-submit arguments into hook keywords and extra confs."""
    keywords: dict[str, Any] = {}
    extra_confs = dict(confs)
    for name, value in arguments.items():
        if name == "master" or value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if name in ARGUMENT_CONFS:
            extra_confs.setdefault(ARGUMENT_CONFS[name], str(value))
        elif name in HOOK_KEYWORDS:
            keyword = HOOK_KEYWORDS[name]
            if keyword in INTEGER_KEYWORDS:
                keywords[keyword] = int(value)
            elif keyword == "verbose":
                keywords[keyword] = str(value).lower() in ("1", "true", "yes")
            else:
                keywords[keyword] = str(value)
        else:
            raise ValueError(f"the spark-submit argument {name!r} is not supported by the operators")
    return keywords, extra_confs


def _site_properties(hadoop_conf_dir: Path | None, filename: str) -> dict[str, str]:
    if hadoop_conf_dir is None or not (hadoop_conf_dir / filename).is_file():
        return {}
    from wfo.storage.xml import parse_hadoop_conf

    return {p.name: p.value for p in parse_hadoop_conf((hadoop_conf_dir / filename).read_bytes())}


def resource_manager_url(hadoop_conf_dir: Path | None) -> str | None:
    """The YARN ResourceManager web address from the group's yarn-site.xml, if it names one."""
    properties = _site_properties(hadoop_conf_dir, "yarn-site.xml")
    for key in RM_ADDRESS_KEYS:
        address = (properties.get(key) or "").strip()
        if address:
            scheme = "https" if "https" in key else "http"
            return (address if "://" in address else f"{scheme}://{address}").rstrip("/")
    return None


def kill_process_group(leader: subprocess.Popen[Any], grace_seconds: float = 10.0) -> None:
    """SIGTERM the leader's process group, SIGKILL it if anything is left after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(leader.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline:
            leader.poll()  # reap the leader, or its zombie keeps the group alive
            try:
                os.killpg(leader.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


class _NoAuth(AuthBase):
    """The ResourceManager's web endpoints are not Kerberos-protected (`simple` HTTP authentication)."""

    def __call__(self, request: Any) -> Any:
        return request


def resource_manager_auth(hadoop_conf_dir: Path | None) -> AuthBase | None:
    """Auth for the ResourceManager REST API: SPNEGO only where the cluster's HTTP endpoints need it.

    The provider would assume SPNEGO whenever a keytab is configured; a kerberised cluster often keeps
    `simple` web authentication, and SPNEGO needs the optional `requests-kerberos` package.
    """
    http_auth = _site_properties(hadoop_conf_dir, "core-site.xml").get(
        "hadoop.http.authentication.type", "simple"
    )
    if http_auth.strip().lower() != "kerberos":
        return _NoAuth()
    return None  # let the provider pick requests-kerberos (and say so if it is missing)


class GroupSparkSubmitHook(SparkSubmitHook):
    """SparkSubmitHook whose connection settings come from a rendered config group."""

    def __init__(self, *, master: str, env: dict[str, str], rm_url: str | None = None, **kwargs: Any) -> None:
        # Set before super().__init__, which resolves the "connection" right away.
        self._wfo_master = master
        self._wfo_rm_url = rm_url
        self._wfo_env = env
        super().__init__(conn_id="wfo_config_group", **kwargs)

    def submit(self, application: str = "", **kwargs: Any) -> str | None:
        # spark-submit's own environment (HADOOP_CONF_DIR, KRB5_CONFIG, ...). Not the hook's env_vars:
        # on YARN those are also copied into the ApplicationMaster's environment, local paths included.
        kwargs.setdefault("env", self._wfo_env)
        # Its own process group, so a kill also reaches the driver's children (PySpark's Python driver).
        kwargs.setdefault("start_new_session", True)
        return super().submit(application, **kwargs)

    def on_kill(self) -> None:
        process = self._submit_sp
        # The provider kills spark-submit itself (and the YARN application): then what it started.
        super().on_kill()
        if process is not None:
            kill_process_group(process)

    def _resolve_connection(self) -> dict[str, Any]:
        return {
            "master": self._wfo_master,
            "queue": self._yarn_queue,
            "deploy_mode": self._deploy_mode,
            "spark_binary": self.spark_binary or "spark-submit",
            "namespace": None,
            "principal": self._principal,
            "keytab": self._keytab,
            "rest_scheme": "http",
            "rest_port": 6066,
            "rest_endpoint": None,
        }

    def _get_yarn_rm_base_url(self) -> str:
        if not self._wfo_rm_url:
            raise ValueError(
                "YARN cluster mode needs the ResourceManager address: add "
                "yarn.resourcemanager.webapp.address to the group's yarn-site.xml"
            )
        return self._wfo_rm_url


def tracks_the_job(master: str, deploy_mode: str | None) -> bool:
    """Whether spark-submit only submits and the job is then tracked (and resumed on retry) from outside:
    cluster mode on YARN (through the ResourceManager REST API) or on a standalone master (its REST
    API). Everywhere else spark-submit runs until the application ends, which is the job's result."""
    return deploy_mode == "cluster" and (master.startswith("yarn") or master.startswith("spark://"))


class GroupSparkSubmitOperator(SparkSubmitOperator):
    """The provider's operator as a component of `SparkOperator`, for its job tracking on YARN and
    standalone masters, its durable reconnect on retry (`ResumableJobMixin`) and its kill, running our hook.

    Built inside `SparkOperator.execute`, never in a DAG file, and never executed as a task: `run` is what
    `SparkSubmitOperator.execute` does for a config group. Its `execute` is not called, because Airflow's
    `ExecutorSafeguard` reserves an operator's `execute` for the task runner (a nested call logs
    "GroupSparkSubmitOperator.execute cannot be called outside of the Task Runner!").
    """

    def __init__(self, *, hook: GroupSparkSubmitHook, tracked: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hook = hook
        self._tracked = tracked

    def _get_hook(self) -> SparkSubmitHook:
        assert self._hook is not None
        return self._hook

    def run(self, context: Context) -> None:
        """Submit the application; wait for it in spark-submit, or through the provider's tracking."""
        if self._tracked:
            # Submit, keep the job's id in the task's state store, poll until the end; on a retry,
            # reconnect to the job instead of submitting it again.
            self.execute_resumable(context)
        else:
            self._get_hook().submit(self.application)
