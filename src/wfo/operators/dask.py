"""CoutureDaskYarnOperator: run a Python code artifact against a Dask cluster chosen by the config group.

The artifact reaches the cluster with a plain `distributed.Client()`: the operator sets
`DASK_SCHEDULER_ADDRESS` for the artifact's process, which `Client()` reads through dask's config.
Where the cluster comes from is the group's Runtime section (`dask.mode`, overridable per task):

* ``local``: a scheduler and `local_workers` worker processes started for this task alone (with the
  task's interpreter, `dask scheduler` / `dask worker`) and stopped when it ends;
* ``scheduler``: an existing cluster at `scheduler_address` (tcp:// or tls://);
* ``yarn``: a cluster started on YARN with dask-yarn, if installed (`pip install dask-yarn`; it is no
  longer maintained upstream, so wfo does not depend on it), with the group's Hadoop configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from wfo.extras import require_extra
from wfo.operators.python_runner import CoutureArtifactOperator, stop_process_group

DASK_MODES = ("local", "scheduler", "yarn")
CLUSTER_START_TIMEOUT = 120.0


class DaskClusterError(RuntimeError):
    """The Dask cluster for the task could not be started or reached."""


def scheduler_command(interpreter: str, scheduler_file: Path) -> list[str]:
    """A Dask scheduler on a free local port that writes its address to `scheduler_file`."""
    return [
        interpreter,
        "-m",
        "distributed.cli.dask_scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--no-dashboard",
        "--scheduler-file",
        str(scheduler_file),
    ]


def worker_command(
    interpreter: str, scheduler_file: Path, workers: int, threads: int, local_directory: Path
) -> list[str]:
    """`workers` local Dask worker processes of `threads` threads for the scheduler of `scheduler_file`."""
    return [
        interpreter,
        "-m",
        "distributed.cli.dask_worker",
        "--scheduler-file",
        str(scheduler_file),
        "--nworkers",
        str(workers),
        "--nthreads",
        str(threads),
        "--no-dashboard",
        "--host",
        "127.0.0.1",
        "--local-directory",
        str(local_directory),
    ]


class CoutureDaskYarnOperator(CoutureArtifactOperator):
    """Run a `.py` code artifact with the Couture payload against a Dask cluster.

    :param dask_mode: ``'local'``, ``'scheduler'`` or ``'yarn'``; default: the config group's
    :param scheduler_address: the scheduler to use (``tcp://host:8786``); implies ``'scheduler'`` mode
        when `dask_mode` is not given
    Other parameters: see `PythonArtifactOperator` and `CoutureArtifactOperator` (the payload fields).
    """

    template_fields: Sequence[str] = (
        *CoutureArtifactOperator.template_fields,
        "dask_mode",
        "scheduler_address",
    )
    ui_color = "#fdbd7d"

    def __init__(
        self, *, dask_mode: str | None = None, scheduler_address: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.dask_mode = dask_mode
        self.scheduler_address = scheduler_address
        self._cluster_processes: list[subprocess.Popen[bytes]] = []
        self._yarn_cluster: Any = None

    def _settings(self, runtime: dict[str, Any]) -> dict[str, Any]:
        from wfo.clusters.errors import InvalidGroupInput
        from wfo.clusters.runtime_section import check_scheduler_address

        dask = dict(runtime["dask"])
        if self.scheduler_address:
            try:
                dask["scheduler_address"] = check_scheduler_address(self.scheduler_address)
            except InvalidGroupInput as exc:
                raise DaskClusterError(f"scheduler_address: {exc}") from None
            dask["mode"] = self.dask_mode or "scheduler"
        elif self.dask_mode:
            dask["mode"] = self.dask_mode
        if dask["mode"] not in DASK_MODES:
            raise DaskClusterError(f"dask_mode must be one of {list(DASK_MODES)}, not {dask['mode']!r}")
        if dask["mode"] == "scheduler" and not dask.get("scheduler_address"):
            raise DaskClusterError(
                "Dask mode 'scheduler' needs a scheduler address: set it in the config group's Runtime "
                "section or pass scheduler_address= to the task"
            )
        return dask

    @contextlib.contextmanager
    def job_environment(
        self, snapshot: dict[str, Any], runtime: dict[str, Any], interpreter: str, workdir: Path
    ) -> Iterator[dict[str, str]]:
        dask = self._settings(runtime)
        mode = dask["mode"]
        # A local cluster is watched from here (distributed's Client); an artifact run by this Python
        # connects with it too.
        if mode == "local" or interpreter == sys.executable:
            require_extra("dask", "CoutureDaskYarnOperator")
        if mode == "scheduler":
            address = str(dask["scheduler_address"])
            self.log.info("Dask: using the scheduler at %s", address)
            yield {"DASK_SCHEDULER_ADDRESS": address}
        elif mode == "local":
            with self._local_cluster(dask, interpreter, workdir) as address:
                yield {"DASK_SCHEDULER_ADDRESS": address}
        else:
            with self._yarn(dask, snapshot) as address:
                yield {"DASK_SCHEDULER_ADDRESS": address}

    # --- local mode -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _local_cluster(self, dask: dict[str, Any], interpreter: str, workdir: Path) -> Iterator[str]:
        """A scheduler and worker processes for this task; the workers run the task's interpreter, so the
        artifact's imports resolve the same way in both."""
        scheduler_file = workdir / "dask-scheduler.json"
        logs = workdir / "dask-logs"
        logs.mkdir()
        workers, threads = int(dask["local_workers"]), int(dask["threads_per_worker"])
        self.log.info("Dask: starting a local cluster, %d worker(s) x %d thread(s)", workers, threads)
        try:
            self._spawn(scheduler_command(interpreter, scheduler_file), logs / "scheduler.log")
            address = self._wait_for_scheduler(scheduler_file, logs / "scheduler.log")
            self._spawn(
                worker_command(interpreter, scheduler_file, workers, threads, workdir / "dask-workers"),
                logs / "workers.log",
            )
            self._wait_for_workers(address, workers, logs / "workers.log")
            self.log.info("Dask: local cluster ready at %s", address)
            yield address
        finally:
            self._stop_local_cluster()

    def _spawn(self, command: list[str], log_path: Path) -> None:
        with open(log_path, "wb") as log:
            self._cluster_processes.append(
                subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
            )

    def _check_alive(self, log_path: Path) -> None:
        for process in self._cluster_processes:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
                raise DaskClusterError(
                    f"a process of the local Dask cluster exited with code {process.returncode} "
                    f"(does the task's interpreter have dask.distributed installed?):\n{tail}"
                )

    def _wait_for_scheduler(self, scheduler_file: Path, log_path: Path) -> str:
        deadline = time.monotonic() + CLUSTER_START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive(log_path)
            with contextlib.suppress(OSError, ValueError):
                address = json.loads(scheduler_file.read_text())["address"]
                if address:
                    return str(address)
            time.sleep(0.2)
        raise DaskClusterError(f"the local Dask scheduler did not start within {CLUSTER_START_TIMEOUT:.0f} s")

    def _wait_for_workers(self, address: str, workers: int, log_path: Path) -> None:
        from distributed import Client

        deadline = time.monotonic() + CLUSTER_START_TIMEOUT
        with Client(address, timeout=CLUSTER_START_TIMEOUT) as client:  # type: ignore[no-untyped-call]
            while len(client.scheduler_info(n_workers=-1).get("workers", {})) < workers:
                self._check_alive(log_path)
                if time.monotonic() > deadline:
                    raise DaskClusterError(
                        f"the local Dask workers did not connect within {CLUSTER_START_TIMEOUT:.0f} s"
                    )
                time.sleep(0.2)

    def _stop_local_cluster(self) -> None:
        # Workers first, so they do not log reconnection attempts to a scheduler that is gone.
        for process in reversed(self._cluster_processes):
            stop_process_group(process)
        self._cluster_processes = []

    # --- YARN mode --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _yarn(self, dask: dict[str, Any], snapshot: dict[str, Any]) -> Iterator[str]:
        try:
            import dask_yarn  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise DaskClusterError(
                "Dask mode 'yarn' needs the dask-yarn package, which is not installed on this worker "
                "(pip install dask-yarn; note that dask-yarn is no longer maintained upstream). "
                "Alternatives: start a Dask cluster yourself and use mode 'scheduler'."
            ) from None
        from wfo.clusters.render import render_group

        yarn = dask["yarn"]
        with render_group(snapshot) as rendered:
            saved = {key: os.environ.get(key) for key in rendered.env}
            os.environ.update(rendered.env)  # skein (under dask-yarn) reads HADOOP_CONF_DIR, KRB5_CONFIG
            try:
                self.log.info("Dask: starting a YARN cluster of %d worker(s)", yarn["n_workers"])
                self._yarn_cluster = dask_yarn.YarnCluster(
                    environment=yarn["environment"],
                    worker_vcores=yarn["worker_vcores"],
                    worker_memory=yarn["worker_memory"],
                    n_workers=yarn["n_workers"],
                    name=self.app_name or f"{self.dag_id}.{self.task_id}",
                )
                yield str(self._yarn_cluster.scheduler_address)
            finally:
                self._close_yarn()
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value

    def _close_yarn(self) -> None:
        if self._yarn_cluster is not None:
            with contextlib.suppress(Exception):  # best effort: the YARN application may already be gone
                self._yarn_cluster.shutdown()
            self._yarn_cluster = None

    def on_kill(self) -> None:
        super().on_kill()
        self._stop_local_cluster()
        self._close_yarn()
