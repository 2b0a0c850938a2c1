# title: run a parameterised notebook
# description: Execute a notebook of the common workspace with papermill; parameters are injected after the cell tagged "parameters" and the executed notebook is saved in the workspace.
# tags: jupyter, notebook, papermill
from wfo.operators import CoutureJupyterOperator

RunReport = CoutureJupyterOperator(
    task_id="RunReport",
    input_notebook="common_workspace/report.ipynb",
    output_notebook="common_workspace/runs/report_{{ ds }}.ipynb",
    parameters={"run_date": "{{ ds }}", "threshold": 0.5},
    dag=dag,
)
