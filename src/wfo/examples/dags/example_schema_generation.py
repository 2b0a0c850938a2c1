"""ExampleSchemaGeneration: the manual's QuickStart sample.

Run it after configuring a cluster: if it succeeds, wfo submits Spark jobs to that cluster. On the
embedded default group (Spark master `local[*]`) it runs on this machine. It reads the example datasets,
infers each one's schema and row count, and writes the reports under the examples' output folder.
"""

from datetime import datetime

from airflow.sdk import DAG

from wfo.operators import CouturePySparkOperator

DATA = "{{ var.value.wfo_examples_data_dir }}"

with DAG(
    dag_id="ExampleSchemaGeneration",
    description="Infer the schema and row count of the example datasets with PySpark",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "spark"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:
    CouturePySparkOperator(
        task_id="SchemaGeneration",
        method_id="ExampleSchemaGeneration",
        app_name="ExampleSchemaGeneration",
        code_artifact="SchemaGeneration.py",
        input_base_dir_path=f"{DATA}/input/",
        output_base_dir_path=f"{DATA}/output/schema_generation/",
        input_filenames_dict={"ratings": "ratings.csv", "videos": "videos.csv"},
        output_filenames_dict={"ratings": "ratings_schema", "videos": "videos_schema"},
        description="Infer schemas and count rows",
    )
