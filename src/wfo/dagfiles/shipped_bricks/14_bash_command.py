# title: run a shell command
# description: Run a bash command on the worker; templated with Airflow's context (ds, run_id, params).
# tags: bash, shell
from airflow.providers.standard.operators.bash import BashOperator

PrintDate = BashOperator(
    task_id="PrintDate",
    bash_command="echo 'run {{ run_id }} for {{ ds }}' && date",
    dag=dag,
)
