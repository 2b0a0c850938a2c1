"""The runtime section of a config group: defaults, validation messages, old snapshots, interpreters."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.runtime_section import check_scheduler_address, defaults, runtime_from_snapshot
from wfo.clusters.schemas import RuntimeSection
from wfo.clusters.validation import problems, summary
from wfo.operators.python_runner import InterpreterError, resolve_interpreter, split_arguments


def validate_runtime(payload: Any) -> dict[str, Any]:
    return RuntimeSection.model_validate(payload).model_dump()


def test_empty_payload_gives_the_documented_defaults() -> None:
    runtime = validate_runtime({})
    assert runtime == defaults()
    assert runtime["dask"]["mode"] == "local"
    assert runtime["dask"]["local_workers"] == 2
    assert runtime["python_environments"] == {} and runtime["default_python"] is None


def test_a_full_section_is_normalised() -> None:
    runtime = validate_runtime(
        {
            "dask": {
                "mode": "scheduler",
                "scheduler_address": " tls://dask.example.com:8786 ",
                "local_workers": 4,
                "yarn": {"worker_memory": "512 MiB", "n_workers": 0},
            },
            "python_environments": {"tf": "/opt/envs/tf/bin/../bin/python"},
            "default_python": "tf",
        }
    )
    assert runtime["dask"]["scheduler_address"] == "tls://dask.example.com:8786"
    assert runtime["dask"]["threads_per_worker"] == 1  # not given: default
    assert runtime["dask"]["yarn"] == {
        "environment": None,
        "worker_vcores": 1,
        "worker_memory": "512 MiB",
        "n_workers": 0,
    }
    assert runtime["python_environments"] == {"tf": "/opt/envs/tf/bin/python"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"dask": {"mode": "kubernetes"}}, "dask.mode: must be one of ['local', 'scheduler', 'yarn']"),
        ({"dask": {"mode": "scheduler"}}, "dask: dask.mode 'scheduler' needs dask.scheduler_address"),
        ({"dask": {"scheduler_address": "http://h:8786"}}, "dask.scheduler_address: must look like tcp://host:8786"),
        ({"dask": {"local_workers": 0}}, "dask.local_workers: must be from 1 to 64, not 0"),
        ({"dask": {"threads_per_worker": "2"}}, "dask.threads_per_worker: must be a whole number from 1 to 64, not '2'"),
        ({"dask": {"local_workers": True}}, "dask.local_workers: must be a whole number"),
        ({"dask": {"yarn": {"worker_vcores": 1000}}}, "dask.yarn.worker_vcores: must be from 1 to 256"),
        ({"dask": {"yarn": {"worker_memory": "lots"}}}, "dask.yarn.worker_memory: must be a size like '2 GiB'"),
        ({"dask": {"workers": 3}}, "dask.workers: is not a known setting (known: mode, scheduler_address,"),
        ({"python": "/usr/bin/python3"}, "python: is not a known setting (known: dask, python_environments,"),
        (
            {"python_environments": {"tf": "venvs/tf/bin/python"}},
            "python_environments['tf']: must be an absolute interpreter path",
        ),
        ({"python_environments": {"tf": ""}}, "python_environments['tf']: needs the path of a Python interpreter"),
        ({"python_environments": {"tf": "/bin/py\nthon"}}, "python_environments['tf']: contains a control character"),
        (
            {"python_environments": {"../x": "/usr/bin/python3"}},
            "python_environments['../x']: '../x' is not a valid Python environment name",
        ),
        ({"python_environments": ["/usr/bin/python3"]}, "python_environments: Input should be a valid dictionary"),
        (
            {"python_environments": {f"e{n}": "/usr/bin/python3" for n in range(51)}},
            "python_environments: at most 50 python_environments per group",
        ),
        ({"default_python": "tf"}, "default_python 'tf' is not one of the group's python_environments"),
        ("dask", "Input should be a valid dictionary or instance of RuntimeSection"),
    ],
)
def test_invalid_values_are_refused_with_a_message_naming_the_setting(payload: Any, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_runtime(payload)
    assert message in summary(problems(refused.value, RuntimeSection))


def test_a_task_given_scheduler_address_is_checked_by_the_same_rule() -> None:
    assert check_scheduler_address(" tcp://h:8786 ") == "tcp://h:8786" and check_scheduler_address("") is None
    with pytest.raises(InvalidGroupInput, match="dask.scheduler_address must look like tcp://host:8786"):
        check_scheduler_address("h:8786")


def test_snapshots_published_before_the_section_existed_mean_the_defaults() -> None:
    assert runtime_from_snapshot({"format": 1, "name": "old"}) == defaults()
    partial = runtime_from_snapshot(
        {"runtime": {"dask": {"mode": "scheduler", "scheduler_address": "tcp://h:1"}}}
    )
    assert partial["dask"]["mode"] == "scheduler" and partial["dask"]["local_workers"] == 2


def test_interpreter_resolution_order(tmp_path: Path) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    runtime = validate_runtime({"python_environments": {"tf": str(python)}, "default_python": "tf"})
    assert resolve_interpreter(None, defaults(), "g") == sys.executable
    assert resolve_interpreter(None, runtime, "g") == str(python)
    assert resolve_interpreter("tf", runtime, "g") == str(python)
    assert resolve_interpreter(sys.executable, runtime, "g") == sys.executable
    with pytest.raises(
        InterpreterError, match=r"python='torch' is neither .* \(its environments: \['tf'\]\)"
    ):
        resolve_interpreter("torch", runtime, "g")
    python.unlink()
    with pytest.raises(InterpreterError, match="does not exist or is not executable on this worker"):
        resolve_interpreter(None, runtime, "g")


def test_application_arguments_are_split_like_a_shell() -> None:
    assert split_arguments("--name 'my model' --epochs 3") == ["--name", "my model", "--epochs", "3"]
    assert split_arguments("") == [] and split_arguments(None) == []
    assert split_arguments(["a b", 3]) == ["a b", "3"]
