"""PMML models through the JPMML evaluator (Java, in this process through JPype)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from wfo.serving.errors import BadInferenceInput
from wfo.serving.runtimes.base import Runtime

_JVM_LOCK = threading.Lock()


def _field(field: Any) -> dict[str, Any]:
    return {
        "name": str(field.getName()),
        "datatype": str(field.getDataType()),
        "optype": str(field.getOpType()),
    }


class PmmlRuntime(Runtime):
    kind = "pmml"
    platform = "pmml"

    def __init__(self, path: Path) -> None:
        from jpmml_evaluator import make_evaluator

        with _JVM_LOCK:  # the JVM starts once, with the first PMML model
            self.evaluator = make_evaluator(str(path), backend="jpype").verify()
        self.input_fields = [_field(f) for f in self.evaluator.getInputFields()]
        self.target_fields = [_field(f) for f in self.evaluator.getTargetFields()]
        self.output_fields = [_field(f) for f in self.evaluator.getOutputFields()]
        from wfo.repositories.model_files import MAX_PMML_BYTES, pmml_signature

        # Openscoring's model description: the model element and its mining function (from the same document).
        described = pmml_signature(path.read_bytes()[:MAX_PMML_BYTES])
        self.summary = str(described.get("model", ""))
        self.mining_function = str(described.get("function", "")) or None

    def schema(self) -> dict[str, Any]:
        return {
            "inputFields": self.input_fields,
            "targetFields": self.target_fields,
            "outputFields": self.output_fields,
        }

    def metadata(self) -> dict[str, Any]:
        return {
            "inputs": [{"name": f["name"], "datatype": "BYTES", "shape": [-1]} for f in self.input_fields],
            "outputs": [
                {"name": f["name"], "datatype": "BYTES", "shape": [-1]}
                for f in self.target_fields + self.output_fields
            ],
        }

    def evaluate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """One record (Openscoring's `arguments`) -> its results by field name."""
        if not isinstance(arguments, dict):
            raise BadInferenceInput("arguments must be an object of field name -> value")
        known = {f["name"] for f in self.input_fields}
        try:
            # Fields the model does not use are ignored, as Openscoring does.
            results = self.evaluator.evaluate({k: v for k, v in arguments.items() if k in known})
        except Exception as exc:  # noqa: BLE001 - JavaError: a missing or invalid value the model cannot score
            raise BadInferenceInput(f"the model cannot evaluate this record: {exc}") from None
        return {str(k): _plain(v) for k, v in results.items()}

    def evaluate_all(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.evaluate(record) for record in records]

    def infer(self, inputs: dict[str, np.ndarray[Any, Any]], outputs: list[str] | None) -> dict[str, Any]:
        lengths = {len(a.reshape(-1)) for a in inputs.values()}
        if len(lengths) > 1:
            raise BadInferenceInput("every input field needs the same number of values (one per record)")
        count = lengths.pop() if lengths else 0
        records = [{name: _plain(a.reshape(-1)[i]) for name, a in inputs.items()} for i in range(count)]
        results = self.evaluate_all(records)
        names = outputs or [f["name"] for f in self.target_fields + self.output_fields]
        merged: dict[str, Any] = {}
        for name in names:
            values = [r.get(name) for r in results]
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                merged[name] = np.asarray(values, dtype=np.float64)
            else:
                merged[name] = np.asarray(values, dtype=object)
        return merged


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
