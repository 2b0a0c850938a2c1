"""Running a Python code artifact in its own interpreter process, for the Dask and TensorFlow operators.

`PythonArtifactOperator.execute()` reads the config group's snapshot (tasks cannot use the metadata
DB), fetches the artifact into a private directory, picks the interpreter (the task's `python=`, else
the group's `default_python`, else the platform's own Python), starts the artifact there, streams its
output into the task log and fails the task when it exits with an error. `on_kill` ends the whole
process group, so anything the artifact started goes too.

The artifact is started through a small bootstrap that makes `from wfo.task import run_method` work in
interpreters where wfo is not installed (a TensorFlow virtualenv, for instance): `wfo.task` is standard
library only, so a copy of it is put on that interpreter's path when the import fails.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from wfo.operators.described import with_description
from wfo.operators.payload import COUTURE_FIELDS, CouturePayloadMixin

if TYPE_CHECKING:
    from airflow.sdk import Context

KILL_GRACE_SECONDS = 10.0

_BOOTSTRAP = '''"""Started by wfo: run a code artifact as `python <artifact> <args>` would, with wfo.task importable."""
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
artifact = sys.argv[1]
try:
    import wfo.task  # noqa: F401
except ImportError:
    for name in [m for m in sys.modules if m == "wfo" or m.startswith("wfo.")]:
        del sys.modules[name]
    sys.path.append(os.path.join(here, "wfo-task-shim"))
sys.argv = [artifact, *sys.argv[2:]]
sys.path[0] = os.path.dirname(os.path.abspath(artifact))
runpy.run_path(artifact, run_name="__main__")
'''


class ArtifactFailed(RuntimeError):
    """The code artifact's process exited with an error."""


class InterpreterError(ValueError):
    """The Python interpreter a task asked for is unknown or not usable on this worker."""


def resolve_interpreter(python: str | None, runtime: Mapping[str, Any], group: str | None) -> str:
    """The interpreter a task runs with: `python` (an environment name or an absolute path), else the
    group's `default_python`, else the platform's own interpreter."""
    environments: Mapping[str, str] = runtime.get("python_environments") or {}
    choice = python or runtime.get("default_python")
    if not choice:
        return sys.executable
    if os.path.isabs(choice):
        path = choice
    elif choice in environments:
        path = environments[choice]
    else:
        raise InterpreterError(
            f"python={choice!r} is neither an absolute interpreter path nor a Python environment of config "
            f"group {group!r} (its environments: {sorted(environments) or 'none'}); add it under the "
            "group's Runtime section"
        )
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise InterpreterError(
            f"the Python interpreter {path!r} (python={choice!r}, config group {group!r}) does not exist or "
            "is not executable on this worker"
        )
    return path


def split_arguments(arguments: str | Sequence[Any] | None) -> list[str]:
    """The manual's `application_arguments` is one string (split like a shell); a list is kept as is."""
    if arguments is None:
        return []
    if isinstance(arguments, str):
        return shlex.split(arguments)
    return [str(arg) for arg in arguments]


def write_bootstrap(directory: Path) -> Path:
    """The bootstrap script and the stdlib-only `wfo.task` copy it falls back to."""
    import wfo.task

    shim = directory / "wfo-task-shim" / "wfo"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "__init__.py").write_text('"""Only wfo.task, for interpreters without wfo."""\n')
    (shim / "task.py").write_text(Path(wfo.task.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    bootstrap = directory / "wfo_bootstrap.py"
    bootstrap.write_text(_BOOTSTRAP, encoding="utf-8")
    return bootstrap


def stop_process_group(process: subprocess.Popen[Any] | None, grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the process's group (it was started in a session of its own), SIGKILL after `grace`."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class PythonArtifactOperator(BaseOperator):
    """Base of the operators that run a `.py` code artifact with a configured Python interpreter.

    :param code_artifact: artifact name in the code-artifact repository, e.g. ``'train.py'`` (latest version)
    :param method_id: the method the artifact runs (the payload variants pass it on)
    :param app_name: a name for the job (kept for the manual's DAGs; shown in the log)
    :param description: what the task does (shown as the task's documentation)
    :param config_group: config group to use; the default group when not given
    :param python: a Python environment name of the group's Runtime section, or an absolute interpreter
        path; default: the group's ``default_python``, else the platform's own Python
    :param env: extra environment variables for the artifact's process
    """

    template_fields: Sequence[str] = ("method_id", "code_artifact", "config_group", "python", "env")
    couture = False

    def __init__(
        self,
        *,
        code_artifact: str,
        method_id: str | None = None,
        app_name: str | None = None,
        description: str | None = None,
        config_group: str | None = None,
        python: str | None = None,
        env: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**with_description(kwargs, description))
        self.code_artifact = code_artifact
        self.method_id = method_id
        self.app_name = app_name
        self.description = description
        self.config_group = config_group
        self.python = python
        self.env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None

    # --- what subclasses decide ---------------------------------------------------------------------
    def application_args(self, context: Context) -> list[str]:
        return []

    @contextlib.contextmanager
    def job_environment(
        self, snapshot: dict[str, Any], runtime: dict[str, Any], interpreter: str, workdir: Path
    ) -> Iterator[dict[str, str]]:
        """Extra environment of the artifact's process, valid while the job runs (e.g. a Dask cluster)."""
        yield {}

    # --- running ------------------------------------------------------------------------------------
    def execute(self, context: Context) -> None:
        from wfo.clusters.published import load_group_snapshot
        from wfo.clusters.runtime_section import runtime_from_snapshot
        from wfo.repositories.code_artifacts import fetch_code_artifact

        snapshot = load_group_snapshot(self.config_group)
        group = str(snapshot.get("name"))
        runtime = runtime_from_snapshot(snapshot)
        interpreter = resolve_interpreter(self.python, runtime, group)
        self.log.info("Config group %r, Python interpreter %s", group, interpreter)
        with tempfile.TemporaryDirectory(prefix="wfo-python-task-") as tmp:
            workdir = Path(tmp)
            artifact = fetch_code_artifact(self.code_artifact, workdir / "app")
            bootstrap = write_bootstrap(workdir)
            arguments = self.application_args(context)
            with self.job_environment(snapshot, runtime, interpreter, workdir) as job_env:
                env = {**os.environ, **job_env, **{str(k): str(v) for k, v in self.env.items()}}
                env["PYTHONUNBUFFERED"] = "1"
                env["WFO_TASK_ID"], env["WFO_DAG_ID"] = self.task_id, self.dag_id
                self.run_process(
                    [interpreter, str(bootstrap), str(artifact), *arguments], env, artifact.parent
                )

    def run_process(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        """Run `command`, each output line into the task log; `ArtifactFailed` on a non-zero exit."""
        self.log.info("Running %s", shlex.join(command[:3] + [f"<{len(command) - 3} argument(s)>"]))
        self._process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            self.log.info("%s", raw.decode("utf-8", errors="replace").rstrip("\n"))
        code = self._process.wait()
        if code != 0:
            raise ArtifactFailed(
                f"the code artifact {self.code_artifact!r} exited with code {code} (its output is above)"
            )
        self.log.info("%s finished successfully", self.code_artifact)

    def on_kill(self) -> None:
        stop_process_group(self._process)


class CoutureArtifactOperator(CouturePayloadMixin, PythonArtifactOperator):
    """The Couture payload (DESIGN §4) as the artifact's first argument; see `wfo.task.run_method`."""

    template_fields: Sequence[str] = (*PythonArtifactOperator.template_fields, *COUTURE_FIELDS)
    couture = True

    def application_args(self, context: Context) -> list[str]:
        return [self.couture_payload(), *super().application_args(context)]
