"""SparkPi with a JVM code artifact: the manual's SparkOperator example, runnable out of the box.

`spark-pi.jar` is built from `wfo/examples/java` when wfo first starts and uploaded as a code artifact.
"""

from datetime import datetime

from airflow.sdk import DAG

from wfo.operators import SparkOperator

with DAG(
    dag_id="ExampleSparkPi",
    description="Estimate pi with a Java Spark application from the code-artifact repository",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "spark"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:
    SparkOperator(
        task_id="SparkPi",
        method_id="run_task",
        app_name="ExampleSparkPi",
        class_path="ai.wfo.examples.SparkPi",
        code_artifact="spark-pi.jar",
        application_arguments=["2", "{{ var.value.wfo_examples_data_dir }}/output/spark_pi.json"],
        description="Monte Carlo estimate of pi",
    )
