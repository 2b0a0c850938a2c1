# title: run a pyspark script
# description: Submit a Python file from the code-artifact repository with spark-submit; application_arguments become its sys.argv.
# tags: spark, pyspark, python
from wfo.operators import PySparkOperator

CountRows = PySparkOperator(
    task_id="CountRows",
    app_name=appName,
    code_artifact="my_script.py",
    application_arguments=["{{ var.value.wfo_examples_data_dir }}/input/ratings.csv"],
    dag=dag,
    description="Count the rows of a CSV file",
)
