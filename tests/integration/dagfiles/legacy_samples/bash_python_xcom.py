# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's Bash, Python and XCom snippets ("Creating a DAG", "Operators", "Variables and XComs",
# "SLAs") assembled into one DAG: the fragments are verbatim, the assembly (the DAG around them, the
# `dag=dag` of the XCom tasks, the `pprint` import and the dependencies) is ours.
# The DAG object; we'll need this to instantiate a DAG
from airflow import DAG
# Operators; we need this to operate!
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator

from datetime import datetime, timedelta
from pprint import pprint

default_args = {
    'owner': 'couture',
    'depends_on_past': False,
    'start_date': datetime(2015, 6, 1),
    'email': ['couture@example.com'],
    'email_on_failure': False,
    'email_on_retry': False,
    'retries': 1
}

dag = DAG('dag',
           default_args=default_args,
           schedule_interval=timedelta(days=1))

t1 = BashOperator(
    task_id = 'print_date',
    bash_command = 'date',
    dag = dag,
    description = 'Print Date')

run_this_bash = BashOperator(
    task_id='run_after_loop',
    bash_command='echo 1',
    dag=dag,
)


def print_context(ds, **kwargs):
    pprint(kwargs)
    print(ds)
    return 'Whatever you return gets printed in the logs'


run_this = PythonOperator(
    task_id='print_the_context',
    provide_context=True,
    python_callable=print_context,
    dag=dag,
)


def parse_recipes(**kwargs):
    return 'RETURNS parse_recipes'


def download_image(**kwargs):
    ti = kwargs['ti']
    v1 = ti.xcom_pull(key=None, task_ids='parse_recipes')
    print('Printing Task 1 values in Download_image')
    print(v1)
    return 'download_image'


opr_parse_recipes = PythonOperator(task_id='parse_recipes',
                                   python_callable=parse_recipes,
                                   provide_context=True,
                                   dag=dag)

opr_download_image = PythonOperator(task_id='download_image',
                                    python_callable=download_image,
                                    provide_context=True,
                                    sla=timedelta(hours=1),
                                    dag=dag)

t1.set_downstream(run_this_bash)
t1 >> [run_this, opr_parse_recipes]
opr_parse_recipes >> opr_download_image
