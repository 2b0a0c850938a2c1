"""ExampleMasterDag: the manual's master DAG (a DAG of DAGs), runnable out of the box.

Each DagOperator decides with ``conditionally_trigger`` whether to run its child DAG and passes it a
payload (the child's ``dag_run.conf``), then waits for the child without holding a worker slot and fails
if the child fails. ExampleChildDagA is triggered; ExampleChildDagB's condition is off, so its
SkippableDagOperator is skipped, and so is the task after it. Open a child run from the task's
"Zoom into DAG" button.
"""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from wfo.operators import DagOperator, SkippableDagOperator


def conditionally_trigger(context, dag_run_obj):
    """This function decides whether or not to Trigger the remote DAG"""
    if context["params"]["condition_param"]:
        dag_run_obj.payload = {"message": context["params"]["message"]}
        return dag_run_obj


with DAG(
    dag_id="ExampleMasterDag",
    description="A DAG of DAGs: conditionally trigger two child DAGs with a payload and wait for them",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "master-dag"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:
    child_a = DagOperator(
        task_id="TriggerChildA",
        run_dag_id="ExampleChildDagA",
        python_callable=conditionally_trigger,
        params={"condition_param": True, "message": "Hii there!!"},
    )
    child_b = SkippableDagOperator(
        task_id="TriggerChildB",
        run_dag_id="ExampleChildDagB",
        python_callable=conditionally_trigger,
        params={"condition_param": False, "message": "Only sent when condition_param is True"},
    )
    after_b = EmptyOperator(task_id="AfterChildB")
    child_b >> after_b
