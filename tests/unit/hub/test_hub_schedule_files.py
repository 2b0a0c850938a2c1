"""The generated DAG file of a notebook schedule and the parameters typed from the notebook's parameters cell."""

from __future__ import annotations

import ast

import pytest

from wfo.hub.errors import ScheduleInvalid
from wfo.hub.parameters import declared_parameters, typed_values
from wfo.hub.schedules import (
    dag_source,
    next_runs,
    output_folder,
    output_path,
    read_spec,
    schedule_dag_id,
    scheduled_notebook,
)

HOSTILE = "x'); import os; os.system('touch /tmp/pwned'); ('\n\"\"\"\n# {{ 7 }}"


def spec(**changes: object) -> dict:
    base = {
        "notebook": "common_workspace/team/Q3 report.ipynb",
        "schedule": "0 6 * * 1-5",
        "parameters": {
            "title": HOSTILE,
            "rows": 5,
            "ratio": 0.5,
            "on": True,
            "tags": ["a"],
            "opts": {"k": None},
        },
        "config_group": None,
        "owner": "ada'); import os; ('",
        "created": "2026-12-03T07:00:00+00:00",
    }
    return {**base, **changes}


def _call_keywords(tree: ast.Module, name: str) -> dict[str, ast.expr]:
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == name)
    return {k.arg: k.value for k in call.keywords if k.arg}


def test_generated_file_holds_user_text_only_as_literals() -> None:
    source = dag_source(spec(config_group="team-a"))
    tree = ast.parse(source)
    # Exactly the statements we write: no text of the user became code.
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Expr", "ImportFrom", "Import", "ImportFrom", "ImportFrom", "With"]
    task = _call_keywords(tree, "CoutureJupyterOperator")
    assert ast.literal_eval(task["parameters"]) == spec()["parameters"]
    assert ast.literal_eval(task["config_group"]) == "team-a"
    assert ast.literal_eval(task["input_notebook"]) == "common_workspace/team/Q3 report.ipynb"
    dag = _call_keywords(tree, "DAG")
    assert ast.literal_eval(dag["schedule"]) == "0 6 * * 1-5"
    assert ast.literal_eval(dag["is_paused_upon_creation"]) is False
    assert read_spec(source) == spec(config_group="team-a")


def test_dag_ids_are_stable_readable_and_distinct() -> None:
    a, b = schedule_dag_id("team/q3.ipynb"), schedule_dag_id("team_q3.ipynb")
    assert a.startswith("notebook_team_q3_") and b.startswith("notebook_team_q3_") and a != b
    assert schedule_dag_id("team/q3.ipynb") == a


def test_outputs_are_named_after_the_run() -> None:
    path = output_path("notebook_x", "team/q3.ipynb", "manual__2026-12-03T07:09:17.123+00:00")
    assert path == "common_workspace/runs/notebook_x/q3__manual__2026-12-03T07_09_17.123_00_00.ipynb"
    assert output_folder(None, "notebook_x") == "common_workspace/runs/notebook_x"
    assert output_folder("common_workspace/reports/q3/", "notebook_x") == "common_workspace/reports/q3"
    for bad in ("reports", "/tmp/out", "common_workspace/../x", "common_workspace/a.ipynb"):
        with pytest.raises(ScheduleInvalid):
            output_folder(bad, "notebook_x")
    source = dag_source(spec(output_folder="common_workspace/reports"))
    task = _call_keywords(ast.parse(source), "CoutureJupyterOperator")
    assert ast.literal_eval(task["output_notebook"]).startswith(
        "common_workspace/reports/Q3 report__{{ run_id"
    )


def test_only_common_workspace_notebooks_and_cron_expressions() -> None:
    assert scheduled_notebook("common_workspace/a/b.ipynb") == "a/b.ipynb"
    for path in ("mine.ipynb", "common_workspace/../x.ipynb", "common_workspace/a.py"):
        with pytest.raises(ScheduleInvalid):
            scheduled_notebook(path)
    assert next_runs("@once") == []
    assert len(next_runs("*/5 * * * *")) == 5
    for bad in ("every day", "61 * * * *", "", "* * *"):
        with pytest.raises(ScheduleInvalid, match="not a cron expression"):
            next_runs(bad)


def _notebook(source: str) -> dict:
    cell = {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source, "outputs": []}
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# t"}, cell]}


def test_parameters_are_typed_by_their_defaults() -> None:
    declared = declared_parameters(
        _notebook(
            "rows = 10\nratio = 0.5\non = False\nname = 'x'\ntags = []\nopts: dict = {}\nwhen = now()\n"
        )
    )
    assert [(p.name, p.type) for p in declared] == [
        ("rows", "int"),
        ("ratio", "float"),
        ("on", "bool"),
        ("name", "str"),
        ("tags", "list"),
        ("opts", "dict"),
        ("when", None),
    ]
    typed = typed_values(
        {"rows": "3", "ratio": "2", "on": "true", "name": 5, "tags": '["a"]', "opts": {"k": 1}, "when": "t"},
        declared,
    )
    assert typed == {
        "rows": 3,
        "ratio": 2.0,
        "on": True,
        "name": "5",
        "tags": ["a"],
        "opts": {"k": 1},
        "when": "t",
    }
    for bad in ({"rows": "many"}, {"rows": True}, {"on": "yes"}, {"tags": "{}"}, {"ratio": "nan"}, {"1x": 1}):
        with pytest.raises(ScheduleInvalid):
            typed_values(bad, declared)
    assert declared_parameters({"cells": []}) == []
