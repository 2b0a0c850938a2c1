"""The Couture task payload (DESIGN §4): one JSON string passed as the single application argument."""

from __future__ import annotations

import json
from typing import Any

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
OPTIONAL_FIELDS = PAYLOAD_KEYS[2:]


def build_payload(method_id: str | None, dag_id: str | None, **optional: Any) -> dict[str, Any]:
    unknown = set(optional) - set(OPTIONAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown payload fields: {sorted(unknown)}")
    values: dict[str, Any] = {"method_id": method_id, "dag_id": dag_id, **optional}
    return {key: values[key] for key in PAYLOAD_KEYS if values.get(key) is not None}


def payload_json(method_id: str | None, dag_id: str | None, **optional: Any) -> str:
    return json.dumps(build_payload(method_id, dag_id, **optional))
