"""CoutureJupyterOperator: run a parameterised notebook of `common_workspace` as a task.

Thin, like the other operators: the constructor stores arguments and checks the notebook paths
when they are not templates (a wrong path is a DAG import error, not a failed run); `execute()`
checks the rendered paths again before anything runs and hands over to `wfo.notebooks.execution`,
which downloads the notebook to a private folder, runs it with papermill and uploads the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from wfo.extras import require_extra
from wfo.notebooks.errors import WorkspacePathError
from wfo.notebooks.workspace import notebook_path
from wfo.operators.described import with_description

if TYPE_CHECKING:
    from airflow.sdk import Context

    from wfo.clusters.render import RenderedGroup
    from wfo.notebooks.execution import NotebookJob


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


class CoutureJupyterOperator(BaseOperator):
    """Execute a Jupyter notebook of the shared workspace with papermill, with injected parameters.

    :param input_notebook: the notebook to run, relative to ``common_workspace`` (``'report.ipynb'``,
        ``'common_workspace/team/report.ipynb'``)
    :param output_notebook: where the executed notebook is stored, also inside ``common_workspace``;
        an existing notebook there is replaced. Written also when a cell fails (it shows the error)
    :param parameters: values injected in a new cell after the cell tagged ``parameters`` (at the top
        when no cell has that tag); text, numbers, booleans, None, lists and dicts. A template string
        that renders to a dict (``"{{ dag_run.conf }}"`` with ``render_template_as_native_obj=True``) works too
    :param kernel_name: the Jupyter kernel; default: the notebook's own kernel, else ``python3``
        (the platform's Python)
    :param config_group: a config group whose environment the kernel gets (``HADOOP_CONF_DIR``,
        ``KRB5_CONFIG``, ``SPARK_HOME`` and ``PYSPARK_SUBMIT_ARGS`` with its master and Spark
        configuration), for notebooks that start Spark; none when not given
    :param cell_timeout: seconds one cell may run before the task fails (default: no limit; the
        task's ``execution_timeout`` bounds the whole run)
    :param start_timeout: seconds the kernel may take to start
    :param description: what the task does (shown as the task's documentation)
    """

    template_fields: Sequence[str] = (
        "input_notebook",
        "output_notebook",
        "parameters",
        "kernel_name",
        "config_group",
    )
    ui_color = "#f37626"

    def __init__(
        self,
        *,
        input_notebook: str,
        output_notebook: str,
        parameters: dict[str, Any] | str | None = None,
        kernel_name: str | None = None,
        config_group: str | None = None,
        cell_timeout: int | None = None,
        start_timeout: int = 120,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_description(kwargs, description))
        self._check_paths(input_notebook, output_notebook, templates_allowed=True)
        if cell_timeout is not None and cell_timeout <= 0:
            raise ValueError(f"{self.task_id}: cell_timeout must be a positive number of seconds")
        self.input_notebook = input_notebook
        self.output_notebook = output_notebook
        # A string is a template that renders to a dict (with `render_template_as_native_obj=True`).
        self.parameters: dict[str, Any] | str = (
            parameters if isinstance(parameters, str) else dict(parameters or {})
        )
        self.kernel_name = kernel_name
        self.config_group = config_group
        self.cell_timeout = cell_timeout
        self.start_timeout = start_timeout
        self.description = description

    def execute(self, context: Context) -> str:
        require_extra("notebooks", "CoutureJupyterOperator")
        from wfo.notebooks.execution import check_parameters, run_notebook

        # Refuse before anything runs: a notebook whose result could not be stored is not started.
        self._check_paths(self.input_notebook, self.output_notebook, templates_allowed=False)
        parameters = check_parameters(self.parameters)
        if not self.config_group:
            return run_notebook(self._job(parameters, {}), log=self.log)

        from wfo.clusters.published import load_group_snapshot
        from wfo.clusters.render import render_group

        snapshot = load_group_snapshot(self.config_group)
        self.log.info("Config group %r", snapshot.get("name"))
        with render_group(snapshot) as rendered:
            return run_notebook(self._job(parameters, group_environment(rendered)), log=self.log)

    def _check_paths(self, input_notebook: Any, output_notebook: Any, *, templates_allowed: bool) -> None:
        """A `ValueError` naming the argument, for a path outside the workspace.

        A wrong operator argument is the DAG author's error, shown as an import error of the DAG file (as
        Airflow's own operators do), not a platform error with an HTTP status.
        """
        for what, value in (("input_notebook", input_notebook), ("output_notebook", output_notebook)):
            if templates_allowed and isinstance(value, str) and _is_template(value):
                continue  # checked after rendering, when the task runs
            try:
                notebook_path(value)
            except WorkspacePathError as exc:
                raise ValueError(f"{self.task_id}: {what} is refused: {exc}") from None

    def _job(self, parameters: dict[str, Any], env: dict[str, str]) -> NotebookJob:
        from wfo.notebooks.execution import NotebookJob

        return NotebookJob(
            input_notebook=self.input_notebook,
            output_notebook=self.output_notebook,
            parameters=parameters,
            kernel_name=self.kernel_name or None,
            cell_timeout=self.cell_timeout,
            start_timeout=self.start_timeout,
            env=env,
        )


def group_environment(rendered: RenderedGroup) -> dict[str, str]:
    """The kernel environment of a rendered config group: where Hadoop/Kerberos files are, and
    `PYSPARK_SUBMIT_ARGS` so a `SparkSession` built in the notebook uses the group's master and confs."""
    import shlex

    from wfo.operators.spark_hook import hook_arguments

    env = {str(k): str(v) for k, v in rendered.env.items()}
    arguments = dict(rendered.spark_arguments)
    master = str(arguments.pop("master", None) or "local[*]")
    _, confs = hook_arguments(arguments, {str(k): str(v) for k, v in rendered.spark_confs.items()})
    submit = ["--master", master]
    for key, value in sorted(confs.items()):
        submit += ["--conf", f"{key}={value}"]
    env["PYSPARK_SUBMIT_ARGS"] = shlex.join([*submit, "pyspark-shell"])
    if rendered.spark_home:
        env["SPARK_HOME"] = str(rendered.spark_home)
    return env
