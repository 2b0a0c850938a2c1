# title: run a dask job
# description: Run a function of a Python code artifact on Dask (a local cluster by default, or the scheduler / YARN the config group names); the function gets the Couture payload.
# tags: dask, python, couture, payload
from wfo.operators import CoutureDaskYarnOperator

DataCleaning = CoutureDaskYarnOperator(
    task_id="DataCleaning",
    method_id="DataCleaning",
    app_name=appName,
    code_artifact="my_dask_job.py",
    method_args_dict={"partitions": 8},
    input_base_dir_path="/data/input/",
    output_base_dir_path="/data/processed/",
    input_filenames_dict={"events": "events.csv"},
    output_filenames_dict={"clean": "events_clean.parquet"},
    dag=dag,
    description="Clean the raw events with Dask",
)
