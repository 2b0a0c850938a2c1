"""Optional features and the extra of `pyproject.toml` that installs each.

A feature whose extra is missing fails where it is used (a task's `execute`, `wfo up`), never when a DAG
is parsed, with a message that names the extra to install. Nothing is imported to find out.
"""

from __future__ import annotations

import importlib.util

# Extra -> the modules wfo imports (or starts, as the notebook kernel) from it.
EXTRAS: dict[str, tuple[str, ...]] = {
    "dask": ("dask", "distributed"),
    "notebooks": ("papermill", "ipykernel", "nbformat", "jupyter_client"),
    "celery": ("airflow.providers.celery",),
    "postgres": ("psycopg2",),
    "eda": ("polars", "fastexcel", "sklearn", "pymysql"),
    "models": ("onnxruntime", "jpmml_evaluator", "jpype"),
    "torch": ("torch",),
    "tensorflow": ("tensorflow",),
    "ldap": ("ldap",),
}


class MissingExtraError(ImportError):
    """A feature was used on an installation without the extra that provides it."""

    def __init__(self, extra: str, feature: str, missing: list[str]) -> None:
        super().__init__(
            f"{feature} needs wfo's optional '{extra}' dependencies, which are not installed here "
            f"({', '.join(missing)} missing): pip install 'wfo[{extra}]'"
        )
        self.extra = extra
        self.missing = missing


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    return [module for module in modules if not _importable(module)]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package, or a module stubbed out as None
        return False


def require_extra(extra: str, feature: str, modules: tuple[str, ...] | None = None) -> None:
    """`MissingExtraError` unless the `modules` of `extra` (default: all of them) can be imported."""
    missing = missing_modules(EXTRAS[extra] if modules is None else modules)
    if missing:
        raise MissingExtraError(extra, feature, missing)
