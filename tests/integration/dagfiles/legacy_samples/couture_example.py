# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's CoutureExample Code View (section "Code View"), line numbers of the viewer removed.
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators import CoutureSparkOperator, CouturePySparkOperator, CoutureDaskYarnOperator, CoutureJupyterOperator, CoutureTensorflowOperator
from airflow.operators.dag_operator import SkippableDagOperator, DagOperator
from airflow.operators.dagrun_operator import TriggerDagRunOperator

appName = 'CoutureExample'

default_args = {
    'owner': 'couture',
    'depends_on_past': False,
    'start_date': datetime(2019, 4, 15),
    'retries': 0,
}

schedule = None
dag = DAG('CoutureExample', default_args=default_args, catchup=False, schedule_interval=schedule)

LoadData = CoutureSparkOperator(
    task_id='LoadData',
    app_name=appName,
    class_path='org.apache.spark.examples.SparkPi',
    code_artifact='spark-examples_2.11-2.3.1.jar',
    application_arguments=[],
    dag=dag,
    description='This task was inserted from the code bricks available on from Developer -> Manage Dags. The task name have been updated according to the scenario'
)
