# title: pass a value between python tasks (xcom)
# description: One Python task returns a value (pushed as XCom), the next pulls it.
# tags: python, xcom
from airflow.providers.standard.operators.python import PythonOperator


def produce(**context):
    return {"rows": 42}


def consume(**context):
    produced = context["ti"].xcom_pull(task_ids="Produce")
    print(f"the producer saw {produced['rows']} rows")


Produce = PythonOperator(task_id="Produce", python_callable=produce, dag=dag)
Consume = PythonOperator(task_id="Consume", python_callable=consume, dag=dag)
Produce >> Consume
