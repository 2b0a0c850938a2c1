# title: run a spark (jar) job with the couture payload
# description: Submit a JVM Spark application from the code-artifact repository; its main method receives the Couture payload (method_id, dag_id, arguments, input/output paths) as one JSON argument.
# tags: spark, jar, couture, payload
from wfo.operators import CoutureSparkOperator

LoadData = CoutureSparkOperator(
    task_id="LoadData",
    method_id="LoadData",
    app_name=appName,
    class_path="com.example.jobs.LoadData",
    code_artifact="my-spark-job.jar",
    method_args_dict={"task_strategy": "parallel"},
    input_base_dir_path="/data/input/",
    output_base_dir_path="/data/processed/",
    input_filenames_dict={"tags_file": "video_tags.csv"},
    output_filenames_dict={"tags_file": "video_tags.parquet"},
    config_group=None,  # None: the default config group
    dag=dag,
    description="Load the video tags",
)
