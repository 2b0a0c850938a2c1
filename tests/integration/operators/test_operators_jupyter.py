"""CoutureJupyterOperator on the session platform: real papermill, real kernels, the real object store."""

from __future__ import annotations

import csv
import itertools
import json
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wfo.notebooks.workspace import NotebookWorkspace
from wfo.storage.objectstore import ObjectStore

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration
NOTEBOOK_TIMEOUT = 300.0
EXAMPLES_INPUT = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples" / "data"
# The manual's example ("CoutureJupyterOperator" section), unchanged.
MANUAL_JUPYTER_DAG = Path(__file__).resolve().parents[1] / "dagfiles" / "legacy_samples" / "jupyter_dag.py"


_CELL_IDS = itertools.count(1)


def _workspace(platform: Platform) -> NotebookWorkspace:
    return NotebookWorkspace(ObjectStore((platform.home / "store").as_uri()))


def _notebook(*sources: str, parameters: str | None = None) -> dict:
    cells = []
    if parameters is not None:
        cells.append(_cell(parameters, tags=["parameters"]))
    cells += [_cell(source) for source in sources]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": cells,
    }


def _cell(source: str, tags: list[str] | None = None) -> dict:
    index = next(_CELL_IDS)
    metadata = {"tags": tags} if tags else {}
    return {"cell_type": "code", "id": f"cell{index}", "metadata": metadata, "source": source,
            "outputs": [], "execution_count": None}  # fmt: skip


def _stream_text(cell: dict) -> str:
    return "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream"
    )


def _log_events(log: str) -> str:
    """The task log's messages as plain text (each structured entry's `event`)."""
    events = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            events.append(line)
            continue
        events.append(str(entry.get("event", "")) if isinstance(entry, dict) else line)
    return "\n".join(events)


def test_example_notebook_dag_injects_parameters_and_stores_the_executed_notebook(platform: Platform) -> None:
    workspace = _workspace(platform)
    output = "common_workspace/examples/output/ratings_report.ipynb"
    # Seeded on first start, like every example.
    assert workspace.exists("common_workspace/examples/ratings_report.ipynb")
    workspace.store.delete(f"notebooks/{output}", missing_ok=True)

    run_id = platform.trigger("ExampleNotebook", {"min_rating": 5})
    assert platform.wait_for_run("ExampleNotebook", run_id, NOTEBOOK_TIMEOUT) == "success"

    executed = workspace.read(output)
    tags = [cell["metadata"].get("tags", []) for cell in executed["cells"]]
    injected_at = tags.index(["injected-parameters"])
    assert tags[injected_at - 1] == ["parameters"], "the injected cell comes right after the parameters cell"
    injected = "".join(executed["cells"][injected_at]["source"])
    assert "min_rating = 5\n" in injected + "\n"
    assert f'data_dir = "{platform.home / "examples-data"}"' in injected

    with open(EXAMPLES_INPUT / "ratings.csv", newline="") as handle:
        ratings = [int(row["rating"]) for row in csv.DictReader(handle)]
    summaries = [
        json.loads(line)
        for cell in executed["cells"]
        for line in _stream_text(cell).splitlines()
        if line.startswith('{"ratings"')
    ]
    reaching = sum(1 for rating in ratings if rating >= 5)
    assert summaries == [
        {
            "ratings": len(ratings),
            "min_rating": 5,
            "reaching_min_rating": reaching,
            "share": round(reaching / len(ratings), 4),
        }
    ]
    # The cells' output is in the task log too.
    log = _log_events(platform.task_log("ExampleNotebook", run_id, "ratings_report"))
    assert f'"reaching_min_rating": {reaching}' in log


FAILING_DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureJupyterOperator

with DAG("wfo_test_notebook_failing", schedule=None, catchup=False):
    CoutureJupyterOperator(
        task_id="failing_cell",
        input_notebook="common_workspace/tests/failing.ipynb",
        output_notebook="tests/output/failing.ipynb",
        parameters={"divisor": 0},
        retries=0,
    )
"""


def test_a_failing_cell_fails_the_task_with_its_error_and_keeps_the_output(platform: Platform) -> None:
    workspace = _workspace(platform)
    workspace.write(
        "tests/failing.ipynb",
        _notebook(
            "print('before the failure')",
            "def ratio(total):\n    if divisor == 0:\n        raise ValueError(f'boom: cannot split {total} by zero')\n"
            "    return total / divisor\n\nratio(42)",
            "print('never printed')",
            parameters="divisor = 2",
        ),
    )
    workspace.store.delete("notebooks/common_workspace/tests/output/failing.ipynb", missing_ok=True)
    platform.deploy_dag("wfo_test_notebook_failing.py", FAILING_DAG)

    run_id = platform.trigger("wfo_test_notebook_failing")
    assert platform.wait_for_run("wfo_test_notebook_failing", run_id, NOTEBOOK_TIMEOUT) == "failed"
    log = platform.task_log("wfo_test_notebook_failing", run_id, "failing_cell")
    assert "NotebookCellError" in log
    assert "raised ValueError: boom: cannot split 42 by zero" in log
    assert "in ratio(total)" in log, "the cell's traceback is in the task log"
    assert "\x1b[" not in log and "\\u001b[" not in log, "no terminal colour codes in the log"

    executed = workspace.read("tests/output/failing.ipynb")
    outputs = [output for cell in executed["cells"] for output in cell.get("outputs", [])]
    errors = [output for output in outputs if output["output_type"] == "error"]
    assert [(e["ename"], e["evalue"]) for e in errors] == [("ValueError", "boom: cannot split 42 by zero")]
    text = "".join(_stream_text(cell) for cell in executed["cells"])
    assert "before the failure" in text and "never printed" not in text


REFUSED_DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureJupyterOperator

with DAG("wfo_test_notebook_refused", schedule=None, catchup=False):
    for task_id in ("relative", "absolute"):
        CoutureJupyterOperator(
            task_id=f"refused_{task_id}",
            input_notebook="tests/marker.ipynb",
            output_notebook="{{ dag_run.conf['out_%s'] }}" % task_id,
            parameters={"marker": "{{ dag_run.conf['marker'] }}"},
            retries=0,
        )
"""
# Rendered from the run's conf, so refused when the task runs, not when the DAG is parsed. Every other
# kind of refused path is a unit test (tests/unit/notebooks/test_notebooks_workspace.py): same check.
REFUSED_OUTPUTS = {
    "refused_relative": ("../escaped.ipynb", "contains '..'"),
    "refused_absolute": ("/tmp/wfo-escaped.ipynb", "is absolute"),
}


def test_an_output_outside_the_workspace_is_refused_before_the_notebook_runs(
    platform: Platform, tmp_path: Path
) -> None:
    workspace = _workspace(platform)
    workspace.write(
        "tests/marker.ipynb",
        _notebook("open(marker, 'w').write('ran')", parameters="marker = ''"),
    )
    marker = tmp_path / "ran.txt"
    platform.deploy_dag("wfo_test_notebook_refused.py", REFUSED_DAG)
    conf = {f"out_{task_id.split('_')[1]}": out for task_id, (out, _) in REFUSED_OUTPUTS.items()}
    run_id = platform.trigger("wfo_test_notebook_refused", {**conf, "marker": str(marker)})
    assert platform.wait_for_run("wfo_test_notebook_refused", run_id, NOTEBOOK_TIMEOUT) == "failed"
    for task_id, (_, message) in REFUSED_OUTPUTS.items():
        log = platform.task_log("wfo_test_notebook_refused", run_id, task_id)
        assert "ValueError" in log and "output_notebook is refused" in log and message in log
    assert not marker.exists(), "the notebook must not run when its output would be discarded"
    assert not Path("/tmp/wfo-escaped.ipynb").exists()
    assert not (platform.home / "store" / "notebooks" / "escaped.ipynb").exists()
    assert not list((platform.home / "store").rglob("escaped.ipynb"))


KERNEL_PROBE = """
import json, sys
from wfo.notebooks.execution import NotebookJob, run_notebook
from wfo.notebooks.workspace import NotebookWorkspace
from wfo.storage.objectstore import ObjectStore

workspace = NotebookWorkspace(ObjectStore(sys.argv[1]))
workspace.write("probe.ipynb", json.loads(sys.argv[2]))
run_notebook(NotebookJob("probe.ipynb", "probe-out.ipynb", {"label": "clean"}), workspace=workspace)
"""


@pytest.mark.parametrize("user_kernel", [False, True], ids=["clean-home", "broken-user-wide-python3"])
def test_python3_kernel_is_the_platform_python_whatever_the_home(tmp_path: Path, user_kernel: bool) -> None:
    """No user-wide kernel install is needed, and a stale one in HOME does not change the Python."""
    home = tmp_path / "home"
    home.mkdir()
    if user_kernel:
        spec = home / ".local" / "share" / "jupyter" / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "stale",
                    "language": "python",
                }
            )  # fmt: skip
        )
    store = (tmp_path / "store").as_uri()
    notebook = _notebook("import sys\nprint(label, sys.executable)", parameters="label = ''")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "WFO_HOME": str(tmp_path / "wfo")}
    subprocess.run(
        [sys.executable, "-c", KERNEL_PROBE, store, json.dumps(notebook)],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    executed = NotebookWorkspace(ObjectStore(store)).read("probe-out.ipynb")
    printed = "".join(_stream_text(cell) for cell in executed["cells"]).split()
    assert printed == ["clean", sys.executable]
    assert (
        not (home / ".ipython").exists() and not (home / ".local" / "share" / "jupyter" / "runtime").exists()
    )


def test_templated_paths_and_parameters_are_rendered(platform: Platform) -> None:
    workspace = _workspace(platform)
    workspace.write(
        "tests/echo.ipynb", _notebook("print('echo', who, count)", parameters="who = ''\ncount = 0")
    )
    platform.deploy_dag(
        "wfo_test_notebook_templated.py",
        textwrap.dedent(
            """
            from airflow.sdk import DAG
            from wfo.operators import CoutureJupyterOperator

            with DAG("wfo_test_notebook_templated", schedule=None, catchup=False):
                CoutureJupyterOperator(
                    task_id="echo",
                    input_notebook="{{ dag_run.conf['input'] }}",
                    output_notebook="common_workspace/tests/output/echo-{{ dag_run.conf['who'] }}.ipynb",
                    parameters={"who": "{{ dag_run.conf['who'] }}", "count": 3},
                    retries=0,
                )

            with DAG("wfo_test_notebook_native", schedule=None, catchup=False, render_template_as_native_obj=True):
                CoutureJupyterOperator(
                    task_id="echo",
                    input_notebook="tests/echo.ipynb",
                    output_notebook="tests/output/echo-native.ipynb",
                    parameters="{{ dag_run.conf }}",
                    retries=0,
                )
            """
        ),
    )
    conf = {"input": "common_workspace/tests/echo.ipynb", "who": "ada"}
    assert (
        platform.trigger_and_wait("wfo_test_notebook_templated", conf, timeout=NOTEBOOK_TIMEOUT) == "success"
    )
    executed = workspace.read("tests/output/echo-ada.ipynb")
    assert "echo ada 3" in "".join(_stream_text(cell) for cell in executed["cells"])

    # The whole trigger config as the parameters, types kept (a list stays a list).
    native = {"who": "grace", "count": [1, 2]}
    assert (
        platform.trigger_and_wait("wfo_test_notebook_native", native, timeout=NOTEBOOK_TIMEOUT) == "success"
    )
    executed = workspace.read("tests/output/echo-native.ipynb")
    assert "echo grace [1, 2]" in "".join(_stream_text(cell) for cell in executed["cells"])


def test_the_manuals_example_runs_after_the_automatic_upgrade(platform: Platform) -> None:
    """The manual's JupyterDAG, verbatim, upgraded by wfo; its notebook shows the manual's caveat."""
    from wfo.dagfiles.upgrade import upgrade_source

    workspace = _workspace(platform)
    workspace.write(
        "testFile2.ipynb",
        _notebook('print("a =", a, "and twice =", twice)', parameters="a = 1\ntwice = a * 2"),
    )
    workspace.store.delete("notebooks/common_workspace/plotTestFile2.ipynb", missing_ok=True)
    upgraded = upgrade_source(MANUAL_JUPYTER_DAG.read_text(encoding="utf-8"), "JupyterDAG.py")
    assert not upgraded.issues
    # Only the DAG id changes, so other tests of the manual's examples cannot collide with this one.
    source = upgraded.source.replace("DAG('JupyterDAG',", "DAG('wfo_test_notebook_manual',")
    platform.deploy_dag("wfo_test_notebook_manual.py", source)

    run_id = platform.trigger("wfo_test_notebook_manual")
    assert platform.wait_for_run("wfo_test_notebook_manual", run_id, NOTEBOOK_TIMEOUT) == "success"
    executed = workspace.read("common_workspace/plotTestFile2.ipynb")
    # As the manual says: injected values do not re-run the parameters cell's derived values.
    assert "a = 10 and twice = 2" in "".join(_stream_text(cell) for cell in executed["cells"])


def test_config_group_gives_the_kernel_the_groups_spark_settings(platform: Platform) -> None:
    workspace = _workspace(platform)
    workspace.write(
        "tests/spark_env.ipynb",
        _notebook(
            "import os, json\nprint(json.dumps({k: os.environ.get(k) for k in ('PYSPARK_SUBMIT_ARGS',)}))"
        ),
    )
    platform.deploy_dag(
        "wfo_test_notebook_group.py",
        textwrap.dedent(
            """
            from airflow.sdk import DAG
            from wfo.operators import CoutureJupyterOperator

            with DAG("wfo_test_notebook_group", schedule=None, catchup=False):
                CoutureJupyterOperator(
                    task_id="spark_env",
                    input_notebook="tests/spark_env.ipynb",
                    output_notebook="tests/output/spark_env.ipynb",
                    config_group="default",
                    retries=0,
                )
            """
        ),
    )
    assert platform.trigger_and_wait("wfo_test_notebook_group", timeout=NOTEBOOK_TIMEOUT) == "success"
    executed = workspace.read("tests/output/spark_env.ipynb")
    printed = json.loads("".join(_stream_text(cell) for cell in executed["cells"]))
    submit = shlex.split(printed["PYSPARK_SUBMIT_ARGS"])
    # The default group of a new platform: local Spark.
    assert submit[:2] == ["--master", "local[*]"] and submit[-1] == "pyspark-shell"


def test_a_cell_running_past_cell_timeout_is_interrupted_and_the_output_kept(tmp_path: Path) -> None:
    from nbclient.exceptions import CellTimeoutError

    from wfo.notebooks.execution import NotebookJob, run_notebook

    workspace = NotebookWorkspace(ObjectStore((tmp_path / "store").as_uri()))
    workspace.write(
        "slow.ipynb", _notebook("print('started')", "import time\ntime.sleep(300)", "print('after')")
    )
    with pytest.raises(CellTimeoutError, match="timed out"):
        run_notebook(NotebookJob("slow.ipynb", "slow-out.ipynb", cell_timeout=2), workspace=workspace)
    executed = workspace.read("slow-out.ipynb")
    assert "started" in _stream_text(executed["cells"][0]) and "after" not in _stream_text(
        executed["cells"][2]
    )
    errors = [o for cell in executed["cells"] for o in cell.get("outputs", []) if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["KeyboardInterrupt"]
