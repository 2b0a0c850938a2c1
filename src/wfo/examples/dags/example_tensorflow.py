"""The manual's TensorflowOperator and CoutureTensorflowOperator, runnable out of the box.

Both tasks run a Python code artifact with the interpreter of a Python environment: the task's
`python=` (an environment name of the config group, or an absolute path), else the group's
`default_python`, else wfo's own Python. The artifacts use TensorFlow when that environment has it.
"""

from datetime import datetime

from airflow.sdk import DAG

from wfo.operators import CoutureTensorflowOperator, TensorflowOperator

DATA = "{{ var.value.wfo_examples_data_dir }}"

with DAG(
    dag_id="ExampleTensorflow",
    description="Validate the ratings and compute their histogram in a TensorFlow environment",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "tensorflow"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:
    feature_validation = TensorflowOperator(
        task_id="FeatureValidation",
        code_artifact="FeatureValidation.py",
        application_arguments=(
            f"--input {DATA}/input/ratings.csv --report {DATA}/output/tensorflow/feature_validation.json "
            "--min-rating 1 --max-rating 5"
        ),
        description="Feature Validation",
    )
    rating_histogram = CoutureTensorflowOperator(
        task_id="Rating_Histogram",
        method_id="Rating_Histogram",
        code_artifact="RatingHistogram.py",
        input_base_dir_path=f"{DATA}/input/",
        output_base_dir_path=f"{DATA}/output/tensorflow/",
        input_filenames_dict={"ratings": "ratings.csv"},
        output_filenames_dict={"histogram": "rating_histogram.json"},
        method_args_dict={"buckets": 6},
        description="A TF task",
    )
    feature_validation >> rating_histogram
