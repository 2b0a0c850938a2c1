# title: generate buckets from a numerical feature
# description: Split a numeric column into buckets (Spark's Bucketizer) and count the rows per bucket (Recommendations.py, runs on the example videos).
# tags: spark, pyspark, feature engineering, buckets, couture
from wfo.operators import CouturePySparkOperator

DurationBuckets = CouturePySparkOperator(
    task_id="DurationBuckets",
    method_id="generate_buckets",
    app_name=appName,
    code_artifact="Recommendations.py",
    method_args_dict={"column": "duration_s", "splits": [0, 300, 900, 1800, 3600]},
    input_base_dir_path="{{ var.value.wfo_examples_data_dir }}/input/",
    output_base_dir_path="{{ var.value.wfo_examples_data_dir }}/output/",
    input_filenames_dict={"items": "videos.csv"},
    output_filenames_dict={"buckets": "duration_buckets"},
    dag=dag,
    description="Bucket the video durations",
)
