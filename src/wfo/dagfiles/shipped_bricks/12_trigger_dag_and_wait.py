# title: trigger a dag and wait for it
# description: Run another DAG as a step of this one (DAG of DAGs); the callable sets the child's conf through dag_run_obj.payload; the task waits without holding a worker slot and fails if the child fails.
# tags: dag of dags, trigger, master dag
from wfo.operators import DagOperator


def set_child_conf(context, dag_run_obj):
    dag_run_obj.payload = {"parent_run_id": context["run_id"]}
    return dag_run_obj


RunChild = DagOperator(
    task_id="RunChild",
    run_dag_id="child_dag",
    python_callable=set_child_conf,
    dag=dag,
)
