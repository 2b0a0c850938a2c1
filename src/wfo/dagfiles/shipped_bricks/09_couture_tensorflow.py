# title: run a tensorflow function with the couture payload
# description: Call one function of a Python code artifact in the config group's "tensorflow" Python environment; the function receives the Couture payload.
# tags: tensorflow, python, couture, payload, machine learning
from wfo.operators import CoutureTensorflowOperator

ScoreItems = CoutureTensorflowOperator(
    task_id="ScoreItems",
    method_id="score_items",
    code_artifact="models.py",
    python="tensorflow",
    method_args_dict={"batch_size": 256},
    input_base_dir_path="/data/features/",
    output_base_dir_path="/data/scores/",
    input_filenames_dict={"items": "items.parquet"},
    output_filenames_dict={"scores": "scores.parquet"},
    dag=dag,
    description="Score the items with the trained model",
)
