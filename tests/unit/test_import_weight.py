"""Modules every Airflow process imports stay light (DESIGN §6): checked in a fresh interpreter.

"Heavy" is the list ruff bans at module level (`banned-module-level-imports` in pyproject.toml), read
from there so the lint rule and this test cannot drift apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
HEAVY: list[str] = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["ruff"]["lint"][
    "flake8-tidy-imports"
]["banned-module-level-imports"]

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules)))
"""

# Imports every module of wfo.operators, then resolves every public name of the lazy package, one at a
# time in the same interpreter, noting the heavy modules each step loads first. Ends with a control step
# that imports a heavy module on purpose, so a probe that cannot see heavy imports fails the test.
OPERATORS_PROBE = """
import importlib, json, pkgutil, sys

heavy = {heavy!r}
control = {control!r}


def loaded_heavy():
    # A module is in sys.modules whenever any of its submodules is.
    return {{m for m in heavy if m in sys.modules}}


import wfo.operators

steps = [("import wfo.operators", sorted(loaded_heavy()))]
modules = sorted(f"wfo.operators.{{m.name}}" for m in pkgutil.iter_modules(wfo.operators.__path__))
resolved = {{}}
for target in [*modules, *(f"wfo.operators.{{name}}" for name in wfo.operators.OPERATOR_NAMES), control]:
    before = loaded_heavy()
    module, _, name = target.rpartition(".")
    if target in modules or target == control:
        importlib.import_module(target)
        step = f"import {{target}}"
    else:
        value = getattr(wfo.operators, name)
        resolved[name] = f"{{value.__module__}}.{{value.__qualname__}}"
        step = f"from wfo.operators import {{name}}"
    steps.append((step, sorted(loaded_heavy() - before)))
print(json.dumps({{"modules": modules, "resolved": resolved, "steps": steps}}))
"""


def _run(code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["wfo.operators", "wfo.plugin.plugin", "wfo.settings"])
def test_module_imports_nothing_heavy(module: str) -> None:
    loaded = _run(PROBE.format(module=module))
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
    assert not heavy, f"importing {module} loaded {heavy}"
    assert module in loaded


def test_each_operator_module_and_public_name_imports_nothing_heavy() -> None:
    control = "numpy"
    assert control in HEAVY
    report = _run(OPERATORS_PROBE.format(heavy=sorted(HEAVY), control=control))
    steps = [tuple(step) for step in report["steps"]]
    offenders = {step: heavy for step, heavy in steps[:-1] if heavy}
    assert not offenders, f"these imports loaded heavy modules: {offenders}"
    # The probe sees a heavy import when there is one (else the check above would pass vacuously).
    assert steps[-1] == (f"import {control}", [control])
    # Every operator module was imported, including the ones DAG files never name directly.
    assert {"wfo.operators.child_runs", "wfo.operators.dagrun", "wfo.operators.payload"} <= set(
        report["modules"]
    )
    # Every public name resolves to an operator class of the module the lazy table names.
    from wfo.operators import OPERATOR_NAMES

    assert sorted(report["resolved"]) == sorted(OPERATOR_NAMES)
    for name, qualified in report["resolved"].items():
        assert qualified.startswith("wfo.operators.") and qualified.endswith(f".{name}"), qualified
