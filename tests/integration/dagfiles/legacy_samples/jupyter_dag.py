# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's CoutureJupyterOperator "Example code", verbatim (the PDF lost the indentation of the
# schedule_interval continuation line; Python accepts it as printed).
from airflow import DAG
from airflow.operators import CoutureJupyterOperator
from datetime import datetime, timedelta

default_args = {
    'owner': 'Airflow',
    'depends_on_past': False,
    'start_date': datetime(2019, 1, 1),
    'email': ['airflow@example.com'],
    'email_on_failure': False,
    'email_on_retry': False,
    'retries': 1,
    'retry_delay': timedelta(minutes=5),
}

dag = DAG('JupyterDAG', default_args=default_args,
schedule_interval=timedelta(days=10))

# t1 is an example of task created by instantiating CoutureJupyterOperator.
# input_nb and output_nb are notebook paths.
t1 = CoutureJupyterOperator(task_id='jupyter_task',
                            input_notebook='testFile2.ipynb',
                            output_notebook='plotTestFile2.ipynb',
                            parameters={"a": 10},
                            dag=dag)
