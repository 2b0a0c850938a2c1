# title: loop over a metadata file in batches
# description: Read a CSV (any fsspec URL) in batches, trigger a child DAG once per batch with the rows in dag_run.conf["metadata_df"], wait for each, resume from the failed batch on retry.
# tags: loop, batch, trigger, dag of dags
from wfo.operators import CoutureLoopableBatchOperator

ProcessBatches = CoutureLoopableBatchOperator(
    task_id="ProcessBatches",
    run_dag_id="process_one_batch",
    metadata_file="{{ var.value.wfo_examples_data_dir }}/input/videos.csv",
    batch_size=100,
    batch_offset=0,
    dag=dag,
)
