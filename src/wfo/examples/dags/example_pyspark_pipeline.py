"""The manual's two-task PySpark pipeline ("What is DAG?"), written for Airflow 3 and wfo.

Get_Ratings_Data keeps the valid ratings as Parquet; Get_Ratings_History reads what the first task
wrote and computes each user's rating count and average. Each task receives its own Couture payload.
"""

from datetime import datetime, timedelta

from airflow.sdk import DAG

from wfo.operators import CouturePySparkOperator

appName = "FunWithPySpark"
DATA = "{{ var.value.wfo_examples_data_dir }}"

default_args = {
    "owner": "couture",
    "depends_on_past": False,
    "start_date": datetime(2018, 10, 8),
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG("PySpark", default_args=default_args, catchup=False, schedule=None, tags=["wfo-example", "spark"])

Get_Ratings_Data = CouturePySparkOperator(
    task_id="Get_Ratings_Data",
    method_id="Get_Ratings_Data",
    app_name=appName,
    code_artifact="Ratings.py",
    input_base_dir_path=f"{DATA}/input/",
    output_base_dir_path=f"{DATA}/output/pyspark/",
    input_filenames_dict={"ratings": "ratings.csv"},
    output_filenames_dict={"ratings": "ratings.parquet"},
    dag=dag,
    description="Dump ratings data",
)

Get_Ratings_History = CouturePySparkOperator(
    task_id="Get_Ratings_History",
    method_id="Get_Ratings_History",
    app_name=appName,
    code_artifact="History.py",
    input_base_dir_path=f"{DATA}/output/pyspark/",
    output_base_dir_path=f"{DATA}/output/pyspark/",
    input_filenames_dict={"ratings": "ratings.parquet"},
    output_filenames_dict={"history": "history"},
    dag=dag,
    description="Get ratings history",
)

Get_Ratings_Data >> Get_Ratings_History
