# title: conditionally trigger a dag
# description: Trigger the child DAG only when the condition holds; otherwise this task is skipped (and so are the tasks that depend on it).
# tags: dag of dags, trigger, condition, skip
from wfo.operators import SkippableDagOperator


def trigger_on_weekdays(context, dag_run_obj):
    if context["logical_date"] is not None and context["logical_date"].weekday() >= 5:
        return None  # weekend: skip
    dag_run_obj.payload = {"day": context["ds"]}
    return dag_run_obj


MaybeRunChild = SkippableDagOperator(
    task_id="MaybeRunChild",
    run_dag_id="child_dag",
    python_callable=trigger_on_weekdays,
    dag=dag,
)
