# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's "Master DAG" snippets (Importing Modules, Linking DAGs, Conditionally trigger DAGs)
# assembled into one DAG: the snippets are verbatim (the callable moved above its use); the DAG around
# them and the imports of DAG and datetime are ours.
from datetime import datetime

from airflow import DAG
from airflow.operators.dag_operator import DagOperator

dag = DAG('MasterDag', start_date=datetime(2019, 4, 15), schedule_interval=None)


def conditionally_trigger(context, dag_run_obj):
    """This function decides whether or not to Trigger the remote DAG"""
    if context['params']['condition_param']:
        dag_run_obj.payload = {'message': context['params']['message']}
        return dag_run_obj


schema_generation = DagOperator(
    task_id='SchemaGeneration',
    run_dag_id="ExampleSchemaGeneration",
    python_callable=conditionally_trigger,
    params={'condition_param': True, 'message': 'Hii there!!'},
    dag=dag,
)
