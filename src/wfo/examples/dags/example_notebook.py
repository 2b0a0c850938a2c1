"""The manual's CoutureJupyterOperator example, written for Airflow 3 and wfo.

Runs the example notebook `common_workspace/examples/ratings_report.ipynb` (copied into the
workspace on first start) with two injected parameters: the example data folder (the Airflow
Variable `wfo_examples_data_dir`) and `min_rating`, which a manual run may override
(trigger with config `{"min_rating": 5}`). The executed notebook, with its outputs, is stored as
`common_workspace/examples/output/ratings_report.ipynb`.
"""

from datetime import datetime

from airflow.sdk import DAG, Param

from wfo.operators import CoutureJupyterOperator

default_args = {
    "owner": "couture",
    "depends_on_past": False,
    "start_date": datetime(2019, 1, 1),
    "retries": 0,
}

dag = DAG(
    "ExampleNotebook",
    default_args=default_args,
    schedule=None,
    catchup=False,
    params={"min_rating": Param(4, type="integer", minimum=1, maximum=5)},
    # Parameters keep their types: `min_rating` is injected as the number 4, not the text "4".
    render_template_as_native_obj=True,
    tags=["wfo-example", "jupyter"],
)

ratings_report = CoutureJupyterOperator(
    task_id="ratings_report",
    input_notebook="common_workspace/examples/ratings_report.ipynb",
    output_notebook="common_workspace/examples/output/ratings_report.ipynb",
    parameters={
        "data_dir": "{{ var.value.wfo_examples_data_dir }}",
        "min_rating": "{{ params.min_rating }}",
    },
    description="Count the example ratings that reach min_rating, in a notebook",
    dag=dag,
)
