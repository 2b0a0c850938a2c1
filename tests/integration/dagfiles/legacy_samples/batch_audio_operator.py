# ruff: noqa  (a verbatim legacy sample: linting it would report the manual's style)
# The manual's CoutureLoopableBatchOperator example. Repaired PDF damage: the two-line import had lost
# its parentheses (a syntax error as printed); they are restored.
import os
from datetime import datetime

from airflow.operators.dag_operator import DagOperator
from airflow.operators.dagrun_operator import TriggerDagRunOperator

from airflow import DAG
from airflow.operators import (CoutureTensorflowOperator,
    CoutureLoopableBatchOperator)

default_args = {
    'owner': 'couture',
    'depends_on_past': False,
    'start_date': datetime(2019, 4, 15),
    'retries': 0,
}

schedule = None
dag = DAG('batch_audio_operator', default_args=default_args, catchup=False,
          schedule_interval=schedule)

metadata_file = 'https://link/to/file/link.csv'

video_embedding_batch_task = CoutureLoopableBatchOperator(
    dag=dag,
    run_dag_id='operator_audio',
    task_id='audio_batch_processing',
    batch_size=2,
    batch_offset=0,
    metadata_file=metadata_file
)
