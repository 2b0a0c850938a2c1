# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's "What is DAG?" PySpark example, verbatim.
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators import CouturePySparkOperator

appName = 'FunWithPySpark'

default_args = {
    'owner': 'couture',
    'depends_on_past': False,
    'start_date': datetime(2018, 10, 8),
    'retries': 1,
    'retry_delay': timedelta(minutes=5),
}

schedule = None
dag = DAG('PySpark', default_args=default_args, catchup=False,
          schedule_interval=schedule)

Get_Ratings_Data = CouturePySparkOperator(
    task_id='Get_Ratings_Data',
    method_id='Get_Ratings_Data',
    app_name=appName,
    code_artifact='Ratings.py',
    dag=dag,
    description='Dump ratings data in hdfs'
)

Get_Ratings_History = CouturePySparkOperator(
    task_id='Get_Ratings_History',
    method_id='Get_Ratings_History',
    app_name=appName,
    code_artifact='History.py',
    dag=dag,
    description='Get ratings history'
)

Get_Ratings_Data >> Get_Ratings_History
