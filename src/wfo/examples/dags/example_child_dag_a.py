"""ExampleChildDagA: a child of ExampleMasterDag; it greets with the message the master passes in its conf.

Trigger it alone to see the default; the master's DagOperator passes ``{"message": ...}`` as the run's conf.
Created unpaused: every DAG a master DAG triggers must be on.
"""

from datetime import datetime

from airflow.sdk import DAG, task

with DAG(
    dag_id="ExampleChildDagA",
    description="Child DAG of ExampleMasterDag: prints the message it receives in dag_run.conf",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    is_paused_upon_creation=False,
    tags=["wfo-example", "master-dag"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:

    @task(task_id="Greet")
    def greet(dag_run=None):
        message = (dag_run.conf or {}).get("message", "nobody sent a message")
        print(f"ExampleChildDagA received: {message}")
        return message

    greet()
