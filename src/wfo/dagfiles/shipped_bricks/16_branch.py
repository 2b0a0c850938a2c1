# title: choose a branch at run time
# description: A Python callable returns the task id to follow; the other branch is skipped.
# tags: python, branch, condition
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator


def choose(**context):
    return "FullLoad" if context["params"].get("full", False) else "IncrementalLoad"


Choose = BranchPythonOperator(task_id="Choose", python_callable=choose, dag=dag)
FullLoad = EmptyOperator(task_id="FullLoad", dag=dag)
IncrementalLoad = EmptyOperator(task_id="IncrementalLoad", dag=dag)
Choose >> [FullLoad, IncrementalLoad]
