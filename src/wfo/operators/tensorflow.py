"""TensorflowOperator and CoutureTensorflowOperator: run a Python code artifact with a chosen interpreter.

Nothing here is specific to TensorFlow except the name the manual gave these operators: they run the
artifact with the interpreter of a Python environment that has TensorFlow (or PyTorch, or anything
else) installed, named in the config group's Runtime section. wfo itself never imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wfo.operators.python_runner import CoutureArtifactOperator, PythonArtifactOperator, split_arguments

if TYPE_CHECKING:
    from airflow.sdk import Context


class TensorflowOperator(PythonArtifactOperator):
    """Run a `.py` code artifact as ``python <artifact> <application_arguments>``.

    :param application_arguments: the artifact's command-line arguments as one string, split like a shell
        does (``"--epochs 3 --name 'my model'"``); a list is passed as is
    Other parameters: see `PythonArtifactOperator` (`code_artifact`, `python`, `config_group` ...).
    """

    template_fields: Sequence[str] = (*PythonArtifactOperator.template_fields, "application_arguments")
    ui_color = "#ffb74d"

    def __init__(self, *, application_arguments: str | list[Any] | None = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.application_arguments = application_arguments

    def application_args(self, context: Context) -> list[str]:
        return split_arguments(self.application_arguments)


class CoutureTensorflowOperator(CoutureArtifactOperator):
    """TensorflowOperator whose artifact receives the Couture payload (DESIGN §4) as its only argument;
    write the artifact with `wfo.task.run_method`."""

    ui_color = "#ffb74d"
