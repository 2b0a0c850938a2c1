"""wfo's exploratory data analysis runs (system DAG): started by the EDA page/API with the source in conf.

`conf`: {"source": "file:///... | store://<key> | conn://<conn_id>/<table> | conn://<conn_id>?query=<SELECT>
| dataset://<name>[@<version>] | webhdfs://<conn_id>/<path> | s3://<bucket>/<key>[?conn=<conn_id>]",
"kind": "preliminary" | "data_importance", "target": "<column>", "output": "<object key of the report>"}.
The report and its JSON twin land in wfo's object store; see docs/eda.md.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import DAG, get_current_context, task


@task(retries=0)
def analyse() -> dict[str, Any]:
    from wfo.eda.task import run_from_conf

    run = get_current_context()["dag_run"]
    return run_from_conf(dict(run.conf or {}))


with DAG(
    dag_id="wfo_eda",
    schedule=None,
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=4,
    tags=["wfo", "eda"],
    doc_md=__doc__,
):
    analyse()
