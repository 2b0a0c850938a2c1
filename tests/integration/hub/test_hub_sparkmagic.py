"""sparkmagic's PySpark kernel (unmodified) over Livy, configured as the hub configures it for a user.

The Livy endpoint is `helpers.livy_double`: Livy's REST API in front of a real local Spark. The kernel spec
and the sparkmagic config are the ones `wfo.hub.kernels` writes before a user's server starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.hub.kernels import KernelSources, write_kernel_specs, write_sparkmagic_config

from helpers.livy_double import livy_double

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def livy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with livy_double(tmp_path_factory.mktemp("livy") / "livy.log") as url:
        yield url


def run_cells(kernel_dir: Path, sparkmagic_dir: Path, kernel: str, cells: list[str]) -> list[str]:
    """Each cell's printed text (stream output: where sparkmagic puts Livy's result), from a real kernel."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    manager = KernelManager(
        kernel_name=kernel, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir / "kernels")])
    )
    home = kernel_dir / "home"
    home.mkdir(exist_ok=True)
    manager.start_kernel(env={**os.environ, "SPARKMAGIC_CONF_DIR": str(sparkmagic_dir), "HOME": str(home)})
    texts: list[str] = []
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=120)
        for cell in cells:
            parts: list[str] = []

            def keep(msg: dict, parts: list[str] = parts) -> None:
                content = msg["content"]
                if msg["msg_type"] == "stream":
                    parts.append(content["text"])
                elif msg["msg_type"] == "error":
                    parts.append(f"{content['ename']}: {content['evalue']}")

            reply = client.execute_interactive(cell, timeout=240, output_hook=keep)
            assert reply["content"]["status"] == "ok", (cell, parts)
            texts.append("".join(parts))
    finally:
        manager.shutdown_kernel(now=True)
    return texts


def test_pyspark_kernel_over_livy_computes_with_spark(livy: str, tmp_path: Path) -> None:
    sources = KernelSources(
        group="default",
        livy={"python": {"url": livy, "auth": "None", "username": "", "password": ""}},
    )
    write_kernel_specs(tmp_path, sources)
    sparkmagic = write_sparkmagic_config(tmp_path / "sparkmagic", sources)
    outputs = run_cells(
        tmp_path,
        sparkmagic,
        "sparkmagic-pyspark",
        ["spark.range(10).count()", "print(spark.range(100).filter('id % 2 = 0').count())"],
    )
    # The first cell starts the Livy session (sparkmagic says so), then prints the result.
    assert "SparkSession available as 'spark'" in outputs[0]
    assert outputs[0].strip().splitlines()[-1] == "10", outputs
    assert outputs[1].strip() == "50", outputs
