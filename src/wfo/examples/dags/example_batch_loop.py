"""Loop over a 1,000-row CSV in batches of 100, sending only music and sports videos to a child DAG.

`batch_metadata.csv` is seeded into the examples-data folder on first start. Each batch triggers one run of
`ExampleBatchChild` (run id `<this run>__batch_<n>`) with the rows as `conf["metadata_df"]` and waits for it;
a failed batch fails this task naming its rows, and a retry resumes at that batch.
"""

from datetime import datetime, timedelta

from airflow.sdk import DAG

from wfo.operators import CoutureLoopableBatchOperator

with DAG(
    dag_id="ExampleBatchLoop",
    description="Run ExampleBatchChild once per 100 music/sports rows of batch_metadata.csv",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "loop"],
    default_args={"owner": "wfo", "retries": 1, "retry_delay": timedelta(seconds=10)},
) as dag:
    CoutureLoopableBatchOperator(
        task_id="video_batches",
        run_dag_id="ExampleBatchChild",
        metadata_file="{{ var.value.wfo_examples_data_dir }}/input/batch_metadata.csv",
        batch_size=100,
        batch_offset=0,
        filter_by="category",
        filter_values=["music", "sports"],
    )
