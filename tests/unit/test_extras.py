"""Optional features without their extra: DAGs still parse, the feature fails where it is used and names
the extra to install (a missing module is simulated as Python itself sees one: None in sys.modules)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from airflow.sdk import DAG

from wfo.cli import up as up_module
from wfo.examples.seed import seed_notebooks
from wfo.extras import EXTRAS, MissingExtraError, require_extra
from wfo.notebooks.workspace import NotebookWorkspace
from wfo.operators.dask import CoutureDaskYarnOperator
from wfo.operators.jupyter import CoutureJupyterOperator
from wfo.settings import Settings
from wfo.storage.objectstore import ObjectStore

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
NOTEBOOK = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_every_extra_of_pyproject_is_checked_and_installed_here() -> None:
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    # "all" groups the others; dask-yarn is checked by the operator's YARN mode itself.
    assert set(EXTRAS) == set(declared) - {"all", "dask-yarn"}
    for extra in EXTRAS:
        # ./run installs wfo[all] and torch, and `./run test` tensorflow-cpu: a misspelt module fails here.
        require_extra(extra, "this test")


def test_a_missing_module_names_the_extra_and_the_command() -> None:
    with pytest.MonkeyPatch.context() as patch:
        _without(patch, "distributed")
        with pytest.raises(MissingExtraError) as raised:
            require_extra("dask", "Feature X")
    message = str(raised.value)
    assert message.startswith("Feature X needs wfo's optional 'dask' dependencies")
    assert "(distributed missing)" in message and message.endswith("pip install 'wfo[dask]'")
    assert raised.value.extra == "dask" and raised.value.missing == ["distributed"]
    # A missing parent package counts as missing too (find_spec would import the parent).
    with pytest.MonkeyPatch.context() as patch:
        _without(patch, "airflow.providers.celery")
        with pytest.raises(MissingExtraError, match=r"wfo\[celery\]"):
            require_extra("celery", "Feature Y")


def test_dask_dags_parse_without_the_extra_and_the_task_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _without(monkeypatch, "dask", "distributed")
    with DAG("dask_without_extra", schedule=None):
        task = CoutureDaskYarnOperator(task_id="avg", code_artifact="avg.py", method_id="run")
    local = {"dask": {"mode": "local", "local_workers": 1, "threads_per_worker": 1}}
    needs_dask = r"CoutureDaskYarnOperator needs .* pip install 'wfo\[dask\]'"
    with pytest.raises(MissingExtraError, match=needs_dask):
        with task.job_environment({}, local, sys.executable, tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []  # refused before a cluster was started
    # An external scheduler used from another Python environment needs nothing of the extra here.
    external = {"dask": {"mode": "scheduler", "scheduler_address": "tcp://10.0.0.5:8786"}}
    with task.job_environment({}, external, "/opt/team-env/bin/python", tmp_path) as env:
        assert env == {"DASK_SCHEDULER_ADDRESS": "tcp://10.0.0.5:8786"}


def test_notebook_dags_parse_without_the_extra_and_the_task_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without(monkeypatch, "papermill", "ipykernel")
    with DAG("notebook_without_extra", schedule=None):
        task = CoutureJupyterOperator(task_id="nb", input_notebook="a.ipynb", output_notebook="out/a.ipynb")
    needs_notebooks = r"CoutureJupyterOperator needs .*pip install 'wfo\[notebooks\]'"
    with pytest.raises(MissingExtraError, match=needs_notebooks):
        task.execute({})


def test_the_workspace_refuses_notebooks_without_the_extra_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    workspace = NotebookWorkspace(ObjectStore((tmp_path / "store").as_uri()))
    _without(monkeypatch, "nbformat")
    with pytest.raises(MissingExtraError, match=r"(nbformat missing).*wfo\[notebooks\]"):
        workspace.write_bytes("a.ipynb", NOTEBOOK)
    assert not workspace.exists("a.ipynb")
    # The init step does not fail on it: the example notebooks are simply not copied.
    assert seed_notebooks(workspace) == []
    assert workspace.list() == []


@pytest.mark.parametrize(
    ("settings", "blocked", "extra"),
    [
        ({"database_url": "postgresql://wfo@db.example.com/wfo"}, "psycopg2", "postgres"),
        ({"database_url": "postgresql+psycopg2://wfo@db/wfo"}, "psycopg2", "postgres"),
        ({"executor": "CeleryExecutor"}, "airflow.providers.celery", "celery"),
        ({"executor": "LocalExecutor,CeleryExecutor"}, "airflow.providers.celery", "celery"),
    ],
)
def test_wfo_up_refuses_settings_whose_extra_is_missing_before_touching_the_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: dict[str, str], blocked: str, extra: str
) -> None:
    def went_on(*args: object) -> None:
        raise AssertionError("wfo up went past the check")

    monkeypatch.setattr(up_module, "write_config", went_on)
    _without(monkeypatch, blocked)
    home = tmp_path / "home"
    with pytest.raises(SystemExit) as raised:
        up_module.up(Settings(home=home, **settings))
    assert str(raised.value).startswith("wfo: ")
    assert f"pip install 'wfo[{extra}]'" in str(raised.value) and blocked in str(raised.value)
    assert not home.exists()


def test_the_default_settings_need_no_extra() -> None:
    assert up_module.required_extras(Settings(home=Path("/nonexistent"))) == []
    assert up_module.required_extras(Settings(home=Path("/x"), database_url="mysql://db/wfo")) == []
