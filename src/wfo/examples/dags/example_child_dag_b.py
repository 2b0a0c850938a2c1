"""ExampleChildDagB: the second child of ExampleMasterDag, triggered only when its condition holds.

In the master as shipped the condition is off, so its SkippableDagOperator is skipped and this DAG does
not run; set ``condition_param`` to True in the master (or trigger this DAG alone) to run it.
"""

from datetime import datetime

from airflow.sdk import DAG, task

with DAG(
    dag_id="ExampleChildDagB",
    description="Child DAG of ExampleMasterDag: counts the words of the message in dag_run.conf",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    is_paused_upon_creation=False,
    tags=["wfo-example", "master-dag"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:

    @task(task_id="CountWords")
    def count_words(dag_run=None):
        message = (dag_run.conf or {}).get("message", "")
        words = len(message.split())
        print(f"ExampleChildDagB received {words} words: {message}")
        return words

    count_words()
