"""The manual's CoutureDaskYarnOperator, runnable out of the box: each user's average rating on Dask.

The task runs `DaskRatings.py` (a code artifact) with the Couture payload. Which Dask cluster it uses
comes from the config group's Runtime section: by default a local cluster of 2 workers started for the
task; set the mode to `scheduler` (an existing cluster) or `yarn` (dask-yarn) to scale out.
"""

from datetime import datetime

from airflow.sdk import DAG

from wfo.operators import CoutureDaskYarnOperator

DATA = "{{ var.value.wfo_examples_data_dir }}"

with DAG(
    dag_id="ExampleDask",
    description="Average rating per user, computed on a Dask cluster",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "dask"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:
    CoutureDaskYarnOperator(
        task_id="Average_Ratings",
        method_id="Average_Ratings",
        app_name="ExampleDask",
        code_artifact="DaskRatings.py",
        method_args_dict={"chunk_rows": 250},
        input_base_dir_path=f"{DATA}/input/",
        output_base_dir_path=f"{DATA}/output/",
        input_filenames_dict={"ratings": "ratings.csv"},
        output_filenames_dict={"averages": "dask/user_ratings.json"},
        description="Each user's rating count and average, in chunks on the Dask workers",
    )
