# title: run spark pi example
# description: Estimate pi with the SparkPi Java application (the example code artifact spark-pi.jar) on the default config group.
# tags: spark, jar, example
from wfo.operators import SparkOperator

SparkPi = SparkOperator(
    task_id="SparkPi",
    method_id="run_task",
    app_name=appName,
    class_path="ai.wfo.examples.SparkPi",
    code_artifact="spark-pi.jar",
    application_arguments=["2", "{{ var.value.wfo_examples_data_dir }}/output/spark_pi_{{ run_id }}.json"],
    dag=dag,
    description="Monte Carlo estimate of pi",
)
