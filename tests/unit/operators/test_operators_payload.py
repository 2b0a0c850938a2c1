"""The Couture payload (DESIGN §4), the operators' constructors, and the `wfo.task` helper."""

from __future__ import annotations

import json

import pytest

from wfo.operators.payload import build_payload, payload_json
from wfo.task import PayloadError, read_payload, run_method


def test_payload_keys_keep_the_manuals_order_and_skip_empty_ones() -> None:
    text = payload_json(
        "LoadData",
        "video_embedding_dag",
        output_filenames_dict={"tags_file": "video_tags.csv"},
        method_args_dict={"task_strategy": "parallel"},
        input_base_dir_path="/usr/local/couture/input/",
    )
    assert list(json.loads(text)) == [
        "method_id",
        "dag_id",
        "method_args_dict",
        "input_base_dir_path",
        "output_filenames_dict",
    ]
    assert build_payload(None, "d") == {"dag_id": "d"}
    with pytest.raises(TypeError, match="unknown payload fields"):
        build_payload("m", "d", output_dir="/x")


def test_constructors_store_arguments_only_and_declare_templates() -> None:
    from airflow.sdk import DAG

    from wfo.operators import CoutureSparkOperator

    with DAG("ctor", schedule=None):
        op = CoutureSparkOperator(
            task_id="LoadData",
            method_id="LoadData",
            app_name="app",
            class_path="org.example.Main",
            code_artifact="etl.jar",
            input_base_dir_path="{{ var.value.base }}",
            description="Load it",
        )
    assert op.doc_md == "Load it"
    assert {"input_base_dir_path", "application_arguments", "conf", "code_artifact"} <= set(
        op.template_fields
    )
    payload = json.loads(op.application_args({})[0])
    assert payload == {
        "method_id": "LoadData",
        "dag_id": "ctor",
        "input_base_dir_path": "{{ var.value.base }}",
    }


def test_run_method_calls_the_named_function_with_the_payload() -> None:
    calls: list[object] = []

    def Get_Ratings(payload: dict[str, object]) -> str:
        calls.append(payload)
        return "done"

    argv = [json.dumps({"method_id": "Get_Ratings", "dag_id": "d"}), "extra"]
    assert run_method({"Get_Ratings": Get_Ratings}, argv) == "done"
    assert calls == [{"method_id": "Get_Ratings", "dag_id": "d"}]


def test_a_missing_payload_or_function_is_explained() -> None:
    with pytest.raises(PayloadError, match="no Couture payload"):
        read_payload(["not json", "[1, 2]"])

    def other(payload: object) -> None: ...

    with pytest.raises(PayloadError, match=r"no function 'Nope'.*\['other'\]"):
        run_method({"other": other}, [json.dumps({"method_id": "Nope"})])


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("SparkOperator", {"code_artifact": "etl.jar"}),
        ("PySparkOperator", {"code_artifact": "etl.py"}),
        ("CoutureDaskYarnOperator", {"code_artifact": "job.py", "method_id": "run"}),
        ("TensorflowOperator", {"code_artifact": "train.py"}),
        ("CoutureTensorflowOperator", {"code_artifact": "train.py", "method_id": "run"}),
        ("CoutureJupyterOperator", {"input_notebook": "in.ipynb", "output_notebook": "out.ipynb"}),
        ("CoutureLoopableBatchOperator", {"run_dag_id": "child", "metadata_file": "/data/m.csv"}),
        ("DagOperator", {"run_dag_id": "child"}),
        ("SkippableDagOperator", {"run_dag_id": "child"}),
    ],
)
def test_every_operator_shows_its_description_as_the_task_doc(name: str, arguments: dict[str, object]) -> None:
    from airflow.sdk import DAG

    import wfo.operators

    operator = getattr(wfo.operators, name)
    with DAG("described", schedule=None):
        described = operator(task_id="described", description="What it does", **arguments)
        explicit = operator(task_id="explicit", description="ignored", doc_md="Own doc", **arguments)
    assert (described.doc_md, explicit.doc_md) == ("What it does", "Own doc")
