"""The Couture task payload (DESIGN §4): one JSON string passed as the single application argument.

`build_payload` / `payload_json` make it; `CouturePayloadMixin` gives an operator the payload's fields as
(templated, `COUTURE_FIELDS`) arguments, for the Couture variants of the Spark and Python-artifact operators.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.sdk import BaseOperator

# Keys in the order the manual's platform wrote them; only keys with a value are included.
PAYLOAD_KEYS = (
    "method_id",
    "dag_id",
    "method_args_dict",
    "input_base_dir_path",
    "output_base_dir_path",
    "input_filenames_dict",
    "output_filenames_dict",
)
# The keys a Couture operator takes as arguments (method_id is the operator's own, dag_id its DAG's).
COUTURE_FIELDS = PAYLOAD_KEYS[2:]


def build_payload(method_id: str | None, dag_id: str | None, **optional: Any) -> dict[str, Any]:
    unknown = set(optional) - set(COUTURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown payload fields: {sorted(unknown)}")
    values: dict[str, Any] = {"method_id": method_id, "dag_id": dag_id, **optional}
    return {key: values[key] for key in PAYLOAD_KEYS if values.get(key) is not None}


def payload_json(method_id: str | None, dag_id: str | None, **optional: Any) -> str:
    return json.dumps(build_payload(method_id, dag_id, **optional))


class CouturePayloadMixin(BaseOperator):
    """The Couture payload fields (DESIGN §4), shared by the Couture variants of the Spark and Python runners.

    Mix it in before the operator class (``class X(CouturePayloadMixin, SparkOperator)``); the variant's
    `application_args` puts `couture_payload()` first.
    """

    method_id: str | None

    def __init__(
        self,
        *,
        method_args_dict: dict[str, Any] | None = None,
        input_base_dir_path: str | None = None,
        output_base_dir_path: str | None = None,
        input_filenames_dict: dict[str, Any] | None = None,
        output_filenames_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.method_args_dict = method_args_dict
        self.input_base_dir_path = input_base_dir_path
        self.output_base_dir_path = output_base_dir_path
        self.input_filenames_dict = input_filenames_dict
        self.output_filenames_dict = output_filenames_dict

    def couture_payload(self) -> str:
        """The payload as one JSON string: only the fields with a value, in the manual's order."""
        return payload_json(
            self.method_id,
            self.dag_id,
            method_args_dict=self.method_args_dict,
            input_base_dir_path=self.input_base_dir_path,
            output_base_dir_path=self.output_base_dir_path,
            input_filenames_dict=self.input_filenames_dict,
            output_filenames_dict=self.output_filenames_dict,
        )
