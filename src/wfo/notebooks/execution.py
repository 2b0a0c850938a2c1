"""Run a workspace notebook with papermill: download, execute with parameters, upload the result.

The notebook runs in a private temporary folder (mode 0700, removed afterwards) that is also the
kernel's working directory. The executed notebook is uploaded to the output path whether the run
succeeded or a cell failed, so users can open it and see where it stopped. Jupyter's and IPython's
state (connection files, profile) go into that folder too: nothing is written to the worker's
HOME, which may be shared or read-only.

The kernel `python3` is always this interpreter (the platform's venv, where ipykernel is installed):
a private kernel spec is put first on `JUPYTER_PATH`, so neither a user-wide `~/.local/share/jupyter`
install nor a missing one changes which Python runs the notebook.
"""

from __future__ import annotations

import contextlib
import keyword
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from wfo.notebooks.errors import NoSuchKernelError, NotebookCellError, NotebookParameterError
from wfo.notebooks.workspace import NotebookWorkspace, display_path, notebook_path, parse_notebook

DEFAULT_KERNEL = "python3"
# The notebook hub's PySpark kernel (wfo.hub.kernels.PYSPARK_KERNEL), also offered to notebook tasks.
PYSPARK_KERNEL = "wfo-pyspark"
DEFAULT_START_TIMEOUT = 120
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PLAIN_TYPES = (str, int, float, bool, type(None))


class TaskLog(Protocol):
    """What `run_notebook` logs through: a stdlib logger or a task's `self.log`."""

    def info(self, msg: Any, /, *args: Any) -> Any: ...


@dataclass(frozen=True)
class NotebookJob:
    """What to run: workspace paths, parameters, and how to run it."""

    input_notebook: str
    output_notebook: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    # Seconds one cell may run (None: no limit; the task's execution_timeout still applies).
    cell_timeout: int | None = None
    start_timeout: int = DEFAULT_START_TIMEOUT
    # Extra environment of the kernel (e.g. a rendered config group's HADOOP_CONF_DIR).
    env: Mapping[str, str] = field(default_factory=dict)


def check_parameters(parameters: Any) -> dict[str, Any]:
    """The parameters as a plain dict, or `NotebookParameterError` for what papermill cannot inject.

    Names become Python variables in the injected cell; values are written as Python literals, so
    only plain data (text, numbers, booleans, None, and lists/dicts of them) is accepted.
    """
    if not isinstance(parameters, Mapping):
        raise NotebookParameterError(f"parameters must be a dict, not {type(parameters).__name__}")
    for name, value in parameters.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise NotebookParameterError(
                f"the parameter name {name!r} is not a Python variable name (letters, digits, '_')"
            )
        _check_value(name, value)
    return dict(parameters)


def _check_value(name: str, value: Any) -> None:
    if isinstance(value, _PLAIN_TYPES):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(name, item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, _PLAIN_TYPES):
                raise NotebookParameterError(
                    f"the parameter {name!r} has a dict key of type {type(key).__name__}"
                )
            _check_value(name, item)
        return
    raise NotebookParameterError(
        f"the parameter {name!r} holds a {type(value).__name__}; only text, numbers, booleans, None, "
        "lists and dicts can be injected into a notebook"
    )


def _private_kernel_spec(root: Path) -> Path:
    """A `python3` kernel spec that runs this interpreter; returns the folder to put on JUPYTER_PATH."""
    import json

    spec_dir = root / "kernels" / DEFAULT_KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        # The kernel's own log (not the notebook's output) only says the loopback connection is not
        # encrypted; at ERROR the task log keeps what matters.
        "argv": [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--IPKernelApp.log_level=ERROR",
        ],
        "display_name": "Python 3 (wfo)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    # A notebook saved in JupyterLab on the "PySpark (<group>)" kernel runs as it is: the same kernel, but
    # its `spark` comes from this task's environment (the operator's rendered config group), not the DB.
    pyspark_dir = root / "kernels" / PYSPARK_KERNEL
    pyspark_dir.mkdir(parents=True)
    pyspark = {
        **spec,
        "argv": [sys.executable, "-m", "wfo.hub.pyspark_kernel", "-f", "{connection_file}"],
        "display_name": "PySpark (task environment)",
        "env": {"WFO_KERNEL_SPARK_FROM_ENVIRONMENT": "1"},
    }
    (pyspark_dir / "kernel.json").write_text(json.dumps(pyspark, indent=1))
    return root


@contextlib.contextmanager
def kernel_environment(work: Path, extra: Mapping[str, str]) -> Iterator[None]:
    """Set the environment the kernel inherits for the duration of the block, then restore it.

    Papermill starts the kernel as a child of this process with this process's environment, and
    offers no other way to pass one; task processes run one task each, so this is not shared.
    """
    jupyter_dir = _private_kernel_spec(work / "jupyter")
    existing = os.environ.get("JUPYTER_PATH", "")
    values = {
        **extra,
        "JUPYTER_PATH": os.pathsep.join(p for p in (str(jupyter_dir), existing) if p),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTER_DATA_DIR": str(work / "jupyter-data"),
        "IPYTHONDIR": str(work / "ipython"),
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = previous


def resolve_kernel(notebook: Mapping[str, Any], kernel_name: str | None) -> str:
    """The kernel to run: `kernel_name`, else the notebook's own, else `python3`; it must be installed.

    Call inside `kernel_environment` (the private `python3` spec must be visible).
    """
    from jupyter_client.kernelspec import KernelSpecManager

    metadata = notebook.get("metadata") or {}
    wanted = kernel_name or (metadata.get("kernelspec") or {}).get("name") or DEFAULT_KERNEL
    available = sorted(KernelSpecManager().find_kernel_specs())
    if wanted not in available:
        raise NoSuchKernelError(
            f"the notebook needs the kernel {wanted!r}, which is not installed on this worker "
            f"(installed: {', '.join(available) or 'none'}); pass kernel_name='{DEFAULT_KERNEL}' to run it "
            "with the platform's Python"
        )
    return str(wanted)


def plain_text(text: str) -> str:
    return _ANSI.sub("", text)


def run_notebook(
    job: NotebookJob, *, workspace: NotebookWorkspace | None = None, log: TaskLog | None = None
) -> str:
    """Run `job` and return the output's display path; `NotebookCellError` if a cell raised.

    Both paths and the parameters are checked before anything is read or started; the output is
    uploaded after a cell error too (papermill marks the failing cell in it).
    """
    log = log or logging.getLogger(__name__)
    source = notebook_path(job.input_notebook)
    target = notebook_path(job.output_notebook)
    parameters = check_parameters(job.parameters)
    workspace = workspace or NotebookWorkspace.from_settings()

    with tempfile.TemporaryDirectory(prefix="wfo-notebook-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o700)
        local_in, local_out = work / "input.ipynb", work / "output.ipynb"
        workspace.download_to(source, local_in)
        notebook = parse_notebook(local_in.read_bytes(), display_path(source))
        run_dir = work / "run"
        run_dir.mkdir()
        with kernel_environment(work, job.env):
            kernel = resolve_kernel(notebook, job.kernel_name)
            log.info(
                "Running %s with kernel %s, parameters %s -> %s",
                display_path(source), kernel, sorted(parameters), display_path(target),
            )  # fmt: skip
            try:
                _execute(local_in, local_out, parameters, kernel, run_dir, job)
            finally:
                # Also after a failed cell or a timeout: the output shows where the run stopped.
                if local_out.is_file():
                    workspace.upload_from(local_out, target)
                    log.info("The executed notebook is at %s", display_path(target))
    return display_path(target)


def _execute(
    local_in: Path, local_out: Path, parameters: dict[str, Any], kernel: str, cwd: Path, job: NotebookJob
) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(local_in),
            str(local_out),
            parameters=parameters,
            kernel_name=kernel,
            cwd=str(cwd),
            log_output=True,
            progress_bar=False,
            request_save_on_cell_execute=True,
            execution_timeout=job.cell_timeout,
            start_timeout=job.start_timeout,
        )
    except PapermillExecutionError as exc:
        raise NotebookCellError(
            cell_index=exc.cell_index,
            execution_count=exc.exec_count,
            ename=exc.ename,
            evalue=plain_text(exc.evalue),
            traceback=plain_text("\n".join(exc.traceback)),
        ) from None
