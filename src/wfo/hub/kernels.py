"""The kernels a user's notebook server offers, written as Jupyter kernel specs before each server start.

* `python3`: the platform's own Python (where wfo, PySpark and ipykernel are installed);
* `wfo-pyspark`, "PySpark (<group>)": `python -m wfo.hub.pyspark_kernel`, which renders the default config
  group through the render service the operators use and starts IPython with `spark` built from it;
* `sparkmagic-pyspark` / `sparkmagic-spark`: sparkmagic's kernels over Livy, configured by the per-user
  sparkmagic config this module writes from the default group's Livy settings (mode 0600, outside what the
  notebook shows);
* one kernel per named Python environment of the default group's runtime section (`ipykernel` must be
  installed in that interpreter).

The default group is read from wfo's tables at each server start, so a changed group is in the kernel list
the next time the user's server starts (the PySpark kernel reads the published group itself at each
kernel start, so its settings are current even without that).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.clusters import runtime
from wfo.clusters.published import LIVY_KERNELS, livy_endpoint, livy_passwords
from wfo.db.models import ConfigGroup

PYSPARK_KERNEL = "wfo-pyspark"
SPARKMAGIC_KERNELS = {
    "python": ("sparkmagic-pyspark", "PySpark (Livy, {group})", "sparkmagic.kernels.pysparkkernel.pysparkkernel",
               "python"),
    "scala": ("sparkmagic-spark", "Spark (Livy, {group})", "sparkmagic.kernels.sparkkernel.sparkkernel", "scala"),
}  # fmt: skip
ENV_KERNEL_PREFIX = "env-"


@dataclass(frozen=True)
class KernelSources:
    """What the kernel specs are made from: the default group's name, Livy endpoints and Python environments."""

    group: str | None
    livy: dict[str, dict[str, str]] = field(default_factory=dict)
    python_environments: dict[str, str] = field(default_factory=dict)


def default_group_sources(session: Session) -> KernelSources:
    """The default config group's Livy endpoints (passwords decrypted) and named Python environments."""
    group = session.scalars(select(ConfigGroup).where(ConfigGroup.is_default)).first()
    if group is None:
        return KernelSources(group=None)
    passwords = livy_passwords(group) if group.livy_secrets else {}
    livy = {k: livy_endpoint(group, k) | {"password": passwords.get(k) or ""} for k in LIVY_KERNELS}
    environments = dict(runtime.merged(group.runtime).get("python_environments") or {})
    return KernelSources(group=group.name, livy=livy, python_environments=environments)


def _spec(
    folder: Path, argv: list[str], display: str, language: str, env: dict[str, str] | None = None
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = {"argv": argv, "display_name": display, "language": language}
    if env:
        spec["env"] = env
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def write_kernel_specs(data_dir: Path, sources: KernelSources, python: str = sys.executable) -> list[str]:
    """Write the kernel specs into `<data_dir>/kernels/` (replacing what was there); returns their names."""
    kernels = data_dir / "kernels"
    if kernels.exists():
        shutil.rmtree(kernels)
    group = sources.group or "none"
    launch = ["-f", "{connection_file}"]
    _spec(kernels / "python3", [python, "-m", "ipykernel_launcher", *launch], "Python 3 (wfo)", "python")
    _spec(
        kernels / PYSPARK_KERNEL,
        [python, "-m", "wfo.hub.pyspark_kernel", *launch],
        f"PySpark ({group})",
        "python",
        {"WFO_KERNEL_CONFIG_GROUP": sources.group or ""},
    )
    for _kind, (name, display, module, language) in SPARKMAGIC_KERNELS.items():
        _spec(kernels / name, [python, "-m", module, *launch], display.format(group=group), language)
    for env_name, interpreter in sorted(sources.python_environments.items()):
        _spec(
            kernels / f"{ENV_KERNEL_PREFIX}{env_name}",
            [interpreter, "-m", "ipykernel_launcher", *launch],
            f"{env_name} (Python environment)",
            "python",
        )
    return sorted(p.name for p in kernels.iterdir())


def sparkmagic_config(sources: KernelSources) -> dict[str, Any]:
    """sparkmagic's config.json for the default group's Livy endpoints (credentials included)."""

    def credentials(kind: str) -> dict[str, str]:
        endpoint = sources.livy.get(kind) or {}
        return {
            "url": endpoint.get("url") or "",
            "auth": endpoint.get("auth") or "None",
            "username": endpoint.get("username") or "",
            "password": endpoint.get("password") or "",
        }

    return {
        "kernel_python_credentials": credentials("python"),
        "kernel_scala_credentials": credentials("scala"),
        "kernel_r_credentials": credentials("python"),
        "livy_session_startup_timeout_seconds": 120,
        "wait_for_idle_timeout_seconds": 30,
        "heartbeat_refresh_seconds": 30,
        "heartbeat_retry_seconds": 10,
        "ignore_ssl_errors": False,
        "use_auto_viz": False,
        "coerce_dataframe": True,
        "max_results_sql": 2500,
        "pyspark_dataframe_encoding": "utf-8",
        "logging_config": {
            "version": 1,
            "formatters": {"magicsFormatter": {"format": "%(asctime)s\t%(levelname)s\t%(message)s"}},
            "handlers": {"magicsHandler": {"class": "logging.NullHandler"}},
            "loggers": {"magicsLogger": {"handlers": ["magicsHandler"], "level": "WARNING", "propagate": 0}},
        },
    }


def write_sparkmagic_config(folder: Path, sources: KernelSources) -> Path:
    """Write `<folder>/config.json` (mode 0600: it holds the Livy password); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "config.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(sparkmagic_config(sources), handle, indent=1)
    os.chmod(path, 0o600)
    return folder
