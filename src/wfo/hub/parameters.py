"""A notebook's parameters as its `parameters` cell declares them, and values typed to match.

papermill injects parameters after the cell tagged `parameters`; the assignments in that cell say which
names a notebook expects and, by their literal defaults, their types (`rows = 100` is an int). A schedule's
values arrive as form text or JSON; they are converted to the declared type here, so `"5"` for `rows`
becomes `5` in the generated DAG and the notebook gets what its author wrote defaults for.
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

from wfo.hub.errors import ScheduleInvalid
from wfo.hub.schemas import NotebookParameter, ParameterType

_TYPES: dict[type, ParameterType] = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    list: "list",
    dict: "dict",
}
_ANNOTATIONS: dict[str, ParameterType] = {t: t for t in ("bool", "int", "float", "str", "list", "dict")}


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parameters_cell(notebook: dict[str, Any]) -> str | None:
    """The source of the first code cell tagged `parameters`, or None."""
    for cell in notebook.get("cells", []):
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell.get("cell_type") == "code" and "parameters" in tags:
            return _source(cell)
    return None


def declared_parameters(notebook: dict[str, Any]) -> list[NotebookParameter]:
    """Each `name = <literal>` (or `name: type = <literal>`) of the parameters cell, in order."""
    source = parameters_cell(notebook)
    if source is None:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # papermill runs it anyway; the form then offers untyped parameters
    found: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, annotation = node.targets[0].id, node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value, annotation = node.target.id, node.value, node.annotation
        else:
            continue
        default = _literal(value)
        kind = _TYPES.get(type(default)) if default is not None else None
        if isinstance(annotation, ast.Name) and annotation.id in _ANNOTATIONS:
            kind = _ANNOTATIONS[annotation.id]
        found[name] = NotebookParameter(name=name, type=kind, default=default)
    return list(found.values())


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return value


def typed_values(values: dict[str, Any], declared: list[NotebookParameter]) -> dict[str, Any]:
    """`values` converted to the declared types (`ScheduleInvalid` naming the parameter when impossible)."""
    kinds = {p.name: p.type for p in declared}
    typed: dict[str, Any] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ScheduleInvalid(f"the parameter name {name!r} is not a Python variable name")
        typed[name] = _convert(name, value, kinds.get(name))
        if isinstance(typed[name], float) and not math.isfinite(typed[name]):
            raise ScheduleInvalid(f"the parameter {name!r} must be a finite number")
    return typed


def _convert(name: str, value: Any, kind: ParameterType | None) -> Any:
    if kind is None or value is None:
        return value
    wrong = ScheduleInvalid(
        f"the parameter {name!r} must be {_ARTICLE[kind]} (the notebook's default is one)"
    )
    if kind == "str":
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise wrong
    if isinstance(value, bool):
        raise wrong
    if kind == "int":
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise wrong from None
        raise wrong
    if kind == "float":
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise wrong from None
        raise wrong
    wanted = list if kind == "list" else dict
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise wrong from None
    if not isinstance(value, wanted):
        raise wrong
    return value


_ARTICLE: dict[ParameterType, str] = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "list": "a JSON list",
    "dict": "a JSON object",
}
