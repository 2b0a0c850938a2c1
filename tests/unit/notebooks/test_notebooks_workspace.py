"""The notebook workspace: which paths name a notebook in common_workspace, and which are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfo.examples.seed import EXAMPLES, seed_notebooks
from wfo.notebooks.errors import (
    InvalidNotebookError,
    NotebookNotFoundError,
    NotebookParameterError,
    WorkspacePathError,
)
from wfo.notebooks.execution import check_parameters
from wfo.notebooks.workspace import NotebookWorkspace, notebook_key, workspace_path
from wfo.storage.objectstore import ObjectStore


def _notebook(source: str = "x = 1") -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": source, "outputs": [],
                   "execution_count": None}],
    }  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path) -> NotebookWorkspace:
    return NotebookWorkspace(ObjectStore((tmp_path / "store").as_uri()))


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("common_workspace/foo.ipynb", "notebooks/common_workspace/foo.ipynb"),
        ("foo.ipynb", "notebooks/common_workspace/foo.ipynb"),
        ("team/q3/report.ipynb", "notebooks/common_workspace/team/q3/report.ipynb"),
        ("common_workspace/team/report.ipynb", "notebooks/common_workspace/team/report.ipynb"),
        ("./common_workspace//team/./report.ipynb", "notebooks/common_workspace/team/report.ipynb"),
    ],
)
def test_workspace_paths_map_to_keys_under_the_workspace(path: str, key: str) -> None:
    assert notebook_key(path) == key


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../foo.ipynb", "'..'"),
        ("common_workspace/../secrets.ipynb", "'..'"),
        ("team/../../notebooks/x.ipynb", "'..'"),
        ("/home/jovyan/common_workspace/foo.ipynb", "absolute"),
        ("/common_workspace/foo.ipynb", "absolute"),
        ("~/foo.ipynb", "home folder"),
        ("s3://bucket/notebooks/foo.ipynb", "URL"),
        ("file:///etc/foo.ipynb", "URL"),
        ("C:/work/foo.ipynb", "drive letter"),
        ("team\\foo.ipynb", "backslash"),
        ("common_workspace", "workspace folder itself"),
        ("common_workspace/", "workspace folder itself"),
        ("", "empty"),
        ("foo\x00.ipynb", "NUL"),
        ("foo.py", "must end with .ipynb"),
        ("common_workspace/report", "must end with .ipynb"),
    ],
)
def test_paths_outside_the_workspace_are_refused_with_a_clear_message(path: str, message: str) -> None:
    with pytest.raises(WorkspacePathError) as refused:
        notebook_key(path)
    assert message in str(refused.value)


def test_workspace_path_keeps_folders_and_drops_the_workspace_name() -> None:
    assert workspace_path("common_workspace/data/x.csv") == "data/x.csv"
    # Only a leading segment is the workspace's name; deeper ones are ordinary folders.
    assert workspace_path("team/common_workspace/a.ipynb") == "team/common_workspace/a.ipynb"


def test_write_read_and_list(workspace: NotebookWorkspace, tmp_path: Path) -> None:
    assert workspace.write("team/a.ipynb", _notebook("a = 1")) == "common_workspace/team/a.ipynb"
    workspace.write("common_workspace/b.ipynb", _notebook("b = 2"))
    assert workspace.read("common_workspace/team/a.ipynb")["cells"][0]["source"] == "a = 1"
    assert (tmp_path / "store" / "notebooks" / "common_workspace" / "b.ipynb").is_file()
    assert [e.path for e in workspace.list()] == ["common_workspace/b.ipynb", "common_workspace/team/a.ipynb"]
    assert [e.path for e in workspace.list("common_workspace/team")] == ["common_workspace/team/a.ipynb"]
    with pytest.raises(NotebookNotFoundError, match="there is no notebook 'common_workspace/missing.ipynb'"):
        workspace.read("missing.ipynb")


def test_invalid_notebooks_are_refused_and_nothing_is_written(workspace: NotebookWorkspace) -> None:
    with pytest.raises(InvalidNotebookError, match="not valid JSON"):
        workspace.write_bytes("bad.ipynb", b"{not json")
    with pytest.raises(InvalidNotebookError, match="format 4"):
        workspace.write_bytes("bad.ipynb", json.dumps({"cells": []}).encode())
    broken = _notebook()
    broken["cells"][0]["cell_type"] = "spreadsheet"
    with pytest.raises(InvalidNotebookError, match="not a valid Jupyter notebook"):
        workspace.write("bad.ipynb", broken)
    assert not workspace.exists("bad.ipynb")
    assert workspace.list() == []


def test_seeding_copies_examples_once_and_keeps_a_users_edit(workspace: NotebookWorkspace) -> None:
    shipped = sorted(p.name for p in (EXAMPLES / "notebooks").glob("*.ipynb"))
    assert shipped, "the examples ship at least one notebook"
    first = seed_notebooks(workspace)
    assert first == [f"common_workspace/examples/{name}" for name in shipped]
    edited = _notebook("print('my version')")
    workspace.write(first[0], edited)
    assert seed_notebooks(workspace) == []
    assert workspace.read(first[0])["cells"][0]["source"] == "print('my version')"


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"1st": 1}, "not a Python variable name"),
        ({"class": 1}, "not a Python variable name"),
        ({"a-b": 1}, "not a Python variable name"),
        ({"when": object()}, "holds a object"),
        ({"rows": [1, {2, 3}]}, "holds a set"),
    ],
)
def test_parameters_that_cannot_be_injected_are_refused(parameters: dict, message: str) -> None:
    with pytest.raises(NotebookParameterError, match=message):
        check_parameters(parameters)


def test_plain_parameters_are_accepted() -> None:
    plain = {"a": 1, "b": "x", "c": [1.5, None, True], "d": {"k": [1]}}
    assert check_parameters(plain) == plain


def test_a_template_that_did_not_render_to_a_dict_is_refused() -> None:
    # What `parameters="{{ dag_run.conf }}"` gives without render_template_as_native_obj.
    with pytest.raises(NotebookParameterError, match="parameters must be a dict, not str"):
        check_parameters("{'a': 1}")


def test_operator_refuses_an_output_outside_the_workspace_when_the_dag_is_parsed() -> None:
    from wfo.operators import CoutureJupyterOperator

    with pytest.raises(ValueError, match="output_notebook is refused: .*'..'"):
        CoutureJupyterOperator(task_id="t", input_notebook="a.ipynb", output_notebook="../../out.ipynb")
    with pytest.raises(ValueError, match="input_notebook is refused: .*absolute"):
        CoutureJupyterOperator(task_id="t", input_notebook="/tmp/a.ipynb", output_notebook="b.ipynb")
    # Templates are checked when the task runs, after rendering.
    task = CoutureJupyterOperator(
        task_id="t",
        input_notebook="a.ipynb",
        output_notebook="{{ dag_run.conf['out'] }}",
        parameters={"a": 1},
    )
    assert task.output_notebook == "{{ dag_run.conf['out'] }}"
