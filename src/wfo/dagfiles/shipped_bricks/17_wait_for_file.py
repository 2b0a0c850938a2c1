# title: wait for a file to arrive
# description: Wait (rescheduling, no worker slot held) until a file exists, then go on.
# tags: sensor, file, wait
from airflow.providers.standard.sensors.filesystem import FileSensor

WaitForInput = FileSensor(
    task_id="WaitForInput",
    filepath="{{ var.value.wfo_examples_data_dir }}/input/ratings.csv",
    poke_interval=30,
    timeout=60 * 60,
    mode="reschedule",
    dag=dag,
)
