"""Every complete DAG of the manual, upgraded, loads on Airflow 3.3 with the same DAGs, tasks and edges.

The expected DAG ids, task ids and dependencies are read from the *legacy* source with an AST walk (the
manual's code cannot be imported on Airflow 3); the upgraded file is loaded by Airflow's own DagBag in a
subprocess. The CLI is exercised as a user runs it: `wfo dags upgrade` on a folder of copies.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wfo.dagfiles.upgrade import upgrade_source

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parent / "legacy_samples"
WFO = Path(sys.executable).parent / "wfo"
# The DAG ids of each sample, to be sure the AST walk below sees what the manual declares.
SAMPLE_DAG_IDS = {
    "what_is_dag_pyspark.py": {"PySpark"},
    "couture_example.py": {"CoutureExample"},
    "couture_example_editor.py": set(),
    "dag_operator.py": {"DAGOperatorEx"},
    "jupyter_dag.py": {"JupyterDAG"},
    "batch_audio_operator.py": {"batch_audio_operator"},
    "bash_python_xcom.py": {"dag"},
    "master_dag.py": {"MasterDag"},
}
Graph = dict[str, dict[str, list[str]]]  # dag_id -> task_id -> sorted downstream task ids

DAGBAG_SCRIPT = textwrap.dedent(
    """\
    import json, sys
    from airflow.dag_processing.dagbag import DagBag

    report = {}
    for path in sys.argv[1:]:
        bag = DagBag(dag_folder=path)
        report[path] = {
            "errors": {name: str(error) for name, error in bag.import_errors.items()},
            "dags": {
                dag.dag_id: {task.task_id: sorted(task.downstream_task_ids) for task in dag.tasks}
                for dag in bag.dags.values()
            },
        }
    print("DAGBAG-REPORT " + json.dumps(report))
    """
)


def expected_graph(source: str) -> Graph:
    """DAGs, tasks and edges a legacy file declares: `x = DAG('id')`, `t = Op(task_id=..., dag=x)`, >>, <<."""
    tree = ast.parse(source)
    dags: dict[str, str] = {}
    tasks: dict[str, tuple[str, str]] = {}  # variable -> (dag variable, task id)
    edges: list[tuple[str, str]] = []

    def names(node: ast.expr) -> list[str]:
        if isinstance(node, ast.List):
            return [n.id for n in node.elts if isinstance(n, ast.Name)]
        if isinstance(node, ast.BinOp):  # a chain: its right-most operand is what the next >> sees
            return names(node.right)
        return [node.id] if isinstance(node, ast.Name) else []

    def chain(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
            chain(node.left)
            left, right = names(node.left), names(node.right)
            pairs = [(a, b) for a in left for b in right]
            edges.extend(pairs if isinstance(node.op, ast.RShift) else [(b, a) for a, b in pairs])

    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call):
            call, target = statement.value, statement.targets[0]
            keywords = {k.arg: k.value for k in call.keywords}
            if isinstance(call.func, ast.Name) and call.func.id == "DAG" and isinstance(target, ast.Name):
                dags[target.id] = ast.literal_eval(call.args[0])
            elif "task_id" in keywords and isinstance(target, ast.Name):
                dag = keywords.get("dag")
                assert isinstance(dag, ast.Name), f"task {target.id} without dag=: extend the walk"
                tasks[target.id] = (dag.id, ast.literal_eval(keywords["task_id"]))
        elif isinstance(statement, ast.Expr):
            value = statement.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                method, owner = value.func.attr, value.func.value
                if method in {"set_downstream", "set_upstream"} and isinstance(owner, ast.Name):
                    for other in names(value.args[0]):
                        edges.append((owner.id, other) if method == "set_downstream" else (other, owner.id))
            else:
                chain(value)
    graph: Graph = {dag_id: {} for dag_id in dags.values()}
    for dag_var, task_id in tasks.values():
        graph[dags[dag_var]][task_id] = []
    for upstream, downstream in edges:
        dag_var, up_id = tasks[upstream]
        graph[dags[dag_var]][up_id].append(tasks[downstream][1])
    return {d: {t: sorted(set(down)) for t, down in ts.items()} for d, ts in graph.items()}


def load_with_dagbag(paths: list[Path]) -> dict[str, dict[str, object]]:
    env = {**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    completed = subprocess.run(
        [sys.executable, "-c", DAGBAG_SCRIPT, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("DAGBAG-REPORT ")]
    assert completed.returncode == 0 and lines, completed.stderr[-4000:]
    return json.loads(lines[-1].removeprefix("DAGBAG-REPORT "))  # type: ignore[no-any-return]


def test_the_sample_set_is_the_manuals() -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.py")) == sorted(SAMPLE_DAG_IDS)
    for name, dag_ids in SAMPLE_DAG_IDS.items():
        graph = expected_graph((SAMPLES / name).read_text(encoding="utf-8"))
        assert set(graph) == dag_ids, name
        assert all(graph[dag_id] for dag_id in dag_ids), f"{name}: no tasks found"


def test_every_upgraded_sample_loads_on_airflow_3_with_the_same_graph(tmp_path: Path) -> None:
    upgraded: dict[Path, Graph] = {}
    for sample in sorted(SAMPLES.glob("*.py")):
        legacy = sample.read_text(encoding="utf-8")
        result = upgrade_source(legacy, sample.name)
        assert result.changed, f"{sample.name}: nothing upgraded"
        assert result.issues == [], f"{sample.name}: {result.issues}"
        target = tmp_path / sample.name
        target.write_text(result.source, encoding="utf-8")
        upgraded[target] = expected_graph(legacy)
    report = load_with_dagbag(list(upgraded))
    for path, expected in upgraded.items():
        loaded = report[str(path)]
        assert loaded["errors"] == {}, f"{path.name}: {loaded['errors']}"
        assert loaded["dags"] == expected, path.name


RUFF = Path(sys.executable).parent / "ruff"
# What ruff's Airflow 3 rules still flag in an upgraded sample and the upgrade keeps on purpose:
# (file, rule, the flagged name) -> why.
KEPT_ON_PURPOSE = {
    ("bash_python_xcom.py", "AIR311", "sla"): "Airflow 3.3 accepts sla= with a warning; wfo brings SLAs back",
}


def ruff_airflow3(paths: list[Path]) -> set[tuple[str, str, str]]:
    """(file, rule, flagged name) of every finding of ruff's Airflow 3 migration rules (AIR3xx, preview
    ones included), with the samples' own `# ruff: noqa` ignored and no project configuration."""
    command = [str(RUFF), "check", "--isolated", "--ignore-noqa", "--preview", "--select", "AIR3"]
    done = subprocess.run(
        [*command, "--output-format", "json", "--exit-zero", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = set()
    for finding in json.loads(done.stdout):
        message = finding["message"]
        name = message.split("`")[1] if "`" in message else message
        found.add((Path(finding["filename"]).name, finding["code"], name))
    return found


def test_ruff_airflow_3_rules_find_nothing_the_upgrade_should_have_fixed(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "upgraded").mkdir()
    for sample in SAMPLES.glob("*.py"):
        legacy = sample.read_text(encoding="utf-8")
        (tmp_path / "legacy" / sample.name).write_text(legacy, encoding="utf-8")
        (tmp_path / "upgraded" / sample.name).write_text(upgrade_source(legacy).source, encoding="utf-8")
    # The control: ruff does see the manual's Airflow 1.10 code (so a silent ruff cannot pass the test).
    before = ruff_airflow3(sorted((tmp_path / "legacy").glob("*.py")))
    assert {name for name, _, _ in before} == {name for name, ids in SAMPLE_DAG_IDS.items() if ids}
    assert ("dag_operator.py", "AIR301", "schedule_interval") in before
    assert ("bash_python_xcom.py", "AIR302", "airflow.operators.bash_operator.BashOperator") in before
    after = ruff_airflow3(sorted((tmp_path / "upgraded").glob("*.py")))
    assert after == set(KEPT_ON_PURPOSE)


def test_a_legacy_sample_does_not_load_on_airflow_3_before_the_upgrade(tmp_path: Path) -> None:
    """The samples are really legacy: without the upgrade Airflow 3 refuses them."""
    copy = tmp_path / "what_is_dag_pyspark.py"
    shutil.copy(SAMPLES / copy.name, copy)
    loaded = load_with_dagbag([copy])[str(copy)]
    assert loaded["dags"] == {}
    assert "CouturePySparkOperator" in json.dumps(loaded["errors"])


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WFO), "dags", "upgrade", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.py"))}


def test_cli_check_diff_and_rewrite(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    shutil.copytree(SAMPLES, folder / "team")
    (folder / "modern.py").write_text("from airflow.sdk import DAG\n\ndag = DAG('m')\n", encoding="utf-8")
    before = snapshot(folder)

    check = run_cli("--check", folder)
    assert check.returncode == 1, check.stderr
    assert snapshot(folder) == before  # --check writes nothing
    assert f"--- a/{folder / 'team' / 'jupyter_dag.py'}" in check.stdout
    assert "+from wfo.operators import CoutureJupyterOperator" in check.stdout
    assert "modern.py" not in check.stdout

    diff = run_cli("--diff", folder / "team" / "dag_operator.py")
    assert diff.returncode == 0, diff.stderr
    assert "-dag = DAG('DAGOperatorEx', default_args=args, schedule_interval=schedule)" in diff.stdout
    assert snapshot(folder) == before

    rewrite = run_cli(folder)
    assert rewrite.returncode == 0, rewrite.stderr
    assert "8 of 9 file(s) upgraded" in rewrite.stderr
    for name, content in before.items():
        expected = upgrade_source(content.decode("utf-8")).source
        assert (folder / name).read_text(encoding="utf-8") == expected, name
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]  # no temporary files left

    again = run_cli("--check", folder)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout == ""


def test_cli_reports_issues_as_file_line_message_hint(tmp_path: Path) -> None:
    dag_file = tmp_path / "subdag.py"
    dag_file.write_text(
        "from airflow import DAG\n"
        "from airflow.operators.subdag_operator import SubDagOperator\n"
        "dag = DAG('parent', schedule_interval=None)\n"
        "section = SubDagOperator(task_id='section', subdag=None, dag=dag)\n",
        encoding="utf-8",
    )
    result = run_cli(dag_file)
    assert result.returncode == 1  # rewritten, but a human must finish the job
    assert f"{dag_file}:4: SubDagOperator has no Airflow 3 equivalent (" in result.stdout
    assert "TaskGroup" in result.stdout
    text = dag_file.read_text(encoding="utf-8")
    assert "from airflow.sdk import DAG" in text and "schedule=None" in text
    assert "SubDagOperator(task_id='section'" in text  # kept for the user to replace


def test_cli_refuses_missing_and_non_python_paths(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("from airflow import DAG\n", encoding="utf-8")
    result = run_cli(notes, tmp_path / "missing.py")
    assert result.returncode == 2
    assert "notes.txt: not a .py file" in result.stderr
    assert "missing.py: no such file or folder" in result.stderr
    assert notes.read_text(encoding="utf-8") == "from airflow import DAG\n"
