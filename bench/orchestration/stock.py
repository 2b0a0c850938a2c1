"""Stock Airflow (`airflow standalone`, Airflow's defaults) behind the same interface as wfo's test Platform."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.platform_runner import VENV_BIN, Platform


@dataclass
class StockAirflow(Platform):
    """`airflow standalone` with its own AIRFLOW_HOME.

    Only what must move so it does not collide with wfo is changed (ports, loopback host, no example
    DAGs), plus one setting so it survives the run: SQLite's busy timeout (Python's 5 s default lets a
    loaded 2-core machine kill stock's scheduler and dag-processor with "database is locked"; wfo sets
    the same 30 s). Everything else is Airflow's default.
    """

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WFO_"))}
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__BASE_URL": f"http://localhost:{self.port}",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.port + 1000),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.port + 2000),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "wfo.cli.airflow_config.SQLITE_CONNECT_ARGS",
            }
        )
        env.update(extra)
        return env

    @property
    def dags_folder(self) -> Path:
        return self.home / "dags"

    def start(self, timeout: float = 480.0, **extra_env: str) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.output_path = self.home.parent / f"{self.home.name}-standalone.log"
        with open(self.output_path, "ab") as out:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "airflow"), "standalone"],
                env=self.env(**extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"airflow standalone exited with {self.process.returncode}:\n{self.output()}"
                )
            if "Airflow is ready" in self.output() and passwords.is_file():
                self.admin_password = json.loads(passwords.read_text())["admin"]
                return
            time.sleep(0.5)
        raise TimeoutError(f"airflow standalone not ready within {timeout} s:\n{self.output()[-4000:]}")

    def stop(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def airflow_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(VENV_BIN / "airflow"), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )
