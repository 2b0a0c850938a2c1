"""Provider metadata for Airflow's ProvidersManager (entry point `apache_airflow_provider`)."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "wfo",
        "name": "wfo",
        "description": "Spark, Dask, Jupyter and ML operators, cluster config groups and repositories.",
        "versions": ["0.1.0"],
        # Our tables migrate with a plain `airflow db migrate`.
        "db-managers": ["wfo.db.manager.WfoDBManager"],
    }
