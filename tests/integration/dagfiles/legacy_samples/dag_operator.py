# flake8: noqa
# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's DagOperator.py from "Edit DAG code", editor line numbers removed. Repaired PDF damage:
# the editor's fold markers ('v') before `args` and `CheckFeatures`, and two lines of `args` indented by
# three spaces instead of four.
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.dag_operator import DagOperator



args = {
    'owner': 'couture',
    'start_date': datetime(2019, 4, 15),
    'depends_on_past': False,
}

schedule = None
dag = DAG('DAGOperatorEx', default_args=args, schedule_interval=schedule)
CheckFeatures = DagOperator(
    task_id='JupyterDAG2',
    dag=dag,
    run_dag_id='JupyterDAG'
)
