"""Kernel specs and the sparkmagic config written before a user's server starts."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

from wfo.hub.kernels import KernelSources, write_kernel_specs, write_sparkmagic_config

SOURCES = KernelSources(
    group="prod",
    livy={
        "python": {"url": "https://livy:8998", "auth": "Basic_Access", "username": "u", "password": "s3cret"},
        "scala": {"url": "", "auth": "None", "username": "", "password": ""},
    },
    python_environments={"ml-kernel": "/opt/ml/bin/python"},
)


def test_one_spec_per_kernel_named_after_the_group(tmp_path: Path) -> None:
    names = write_kernel_specs(tmp_path, SOURCES)
    assert names == ["env-ml-kernel", "python3", "sparkmagic-pyspark", "sparkmagic-spark", "wfo-pyspark"]
    specs = {n: json.loads((tmp_path / "kernels" / n / "kernel.json").read_text()) for n in names}
    assert specs["wfo-pyspark"]["display_name"] == "PySpark (prod)"
    assert specs["wfo-pyspark"]["argv"][:3] == [sys.executable, "-m", "wfo.hub.pyspark_kernel"]
    assert specs["wfo-pyspark"]["env"] == {"WFO_KERNEL_CONFIG_GROUP": "prod"}
    assert specs["env-ml-kernel"]["argv"][0] == "/opt/ml/bin/python"
    assert "sparkmagic.kernels.pysparkkernel" in " ".join(specs["sparkmagic-pyspark"]["argv"])
    # No password in any kernel spec (they are readable by the notebook's code and listed by the API).
    assert "s3cret" not in json.dumps(specs)


def test_a_removed_environment_disappears_at_the_next_write(tmp_path: Path) -> None:
    write_kernel_specs(tmp_path, SOURCES)
    names = write_kernel_specs(tmp_path, KernelSources(group="prod"))
    assert "env-ml-kernel" not in names


def test_sparkmagic_config_is_private_and_holds_the_livy_endpoints(tmp_path: Path) -> None:
    folder = write_sparkmagic_config(tmp_path / "sm", SOURCES)
    path = folder / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = json.loads(path.read_text())
    assert config["kernel_python_credentials"] == {
        "url": "https://livy:8998",
        "auth": "Basic_Access",
        "username": "u",
        "password": "s3cret",
    }
    assert config["kernel_scala_credentials"]["auth"] == "None"
