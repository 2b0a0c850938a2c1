"""The PySpark kernel's startup lines when there is no Spark (or no SparkContext): each line is one IPython cell."""

from __future__ import annotations

from typing import Any

import pytest

from wfo.hub.pyspark_kernel import _connect_lines, _failure_lines


def _run_as_cells(lines: list[str]) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for line in lines:  # IPKernelApp runs each of exec_lines as a cell of its own
        exec(compile(line, "<cell>", "exec"), namespace)
    return namespace


def test_without_a_group_spark_and_sc_say_why_on_first_use() -> None:
    namespace = _run_as_cells(_failure_lines("no Spark session: the group is not published"))
    for name in ("spark", "sc"):
        with pytest.raises(RuntimeError, match="the group is not published"):
            namespace[name].range(1)


def test_on_a_connect_group_sc_says_there_is_no_spark_context() -> None:
    lines = _connect_lines("fast")
    assert any("builder.remote" in line for line in lines)
    namespace = _run_as_cells(lines[-1:])  # the session itself needs a server: the integration test has it
    with pytest.raises(
        RuntimeError, match="'fast' runs PySpark through Spark Connect, which has no SparkContext"
    ):
        namespace["sc"].parallelize([1])
