"""wfo's operators, importable as `from wfo.operators import X`.

Imported on every DAG parse, so names resolve lazily: an operator's module (and whatever it
imports) is loaded only when a DAG file uses it. Register new operators in `_LAZY`; other code that needs
the list (the legacy-DAG upgrade, for instance) reads `OPERATOR_NAMES`, which imports none of them.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "SparkOperator": "wfo.operators.spark",
    "CoutureSparkOperator": "wfo.operators.spark",
    "PySparkOperator": "wfo.operators.spark",
    "CouturePySparkOperator": "wfo.operators.spark",
    "CoutureDaskYarnOperator": "wfo.operators.dask",
    "TensorflowOperator": "wfo.operators.tensorflow",
    "CoutureTensorflowOperator": "wfo.operators.tensorflow",
    "CoutureJupyterOperator": "wfo.operators.jupyter",
    "CoutureLoopableBatchOperator": "wfo.operators.batch_loop",
    "DagOperator": "wfo.operators.dagrun",
    "SkippableDagOperator": "wfo.operators.dagrun",
}

# The operators `from wfo.operators import X` offers, sorted.
OPERATOR_NAMES: tuple[str, ...] = tuple(sorted(_LAZY))
__all__ = list(OPERATOR_NAMES)


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'wfo.operators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
