"""ONNX models through onnxruntime (CPU)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from wfo.repositories.model_files import ONNX_TO_V2
from wfo.serving.errors import BadInferenceInput
from wfo.serving.runtimes.base import Runtime

_ONNX_TO_NUMPY = {
    "float": np.float32, "double": np.float64, "float16": np.float16, "int8": np.int8, "int16": np.int16,
    "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
    "uint64": np.uint64, "bool": np.bool_, "string": np.object_,
}  # fmt: skip


def _inner(onnx_type: str) -> str:
    return onnx_type.removeprefix("tensor(").removesuffix(")")


class OnnxRuntime(Runtime):
    kind = "onnx"
    platform = "onnxruntime_onnx"

    def __init__(self, path: Path) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One request is small; many run at once: one thread per inference keeps p99 low under concurrency.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        # Each input's numpy dtype, read once (not per request); None where the type is not a plain tensor.
        self.input_dtypes = {name: _ONNX_TO_NUMPY.get(_inner(i.type)) for name, i in self.inputs.items()}
        self.output_names = [o.name for o in self.session.get_outputs()]

    def metadata(self) -> dict[str, Any]:
        def describe(arg: Any) -> dict[str, Any]:
            inner = _inner(arg.type)
            shape = [d if isinstance(d, int) else -1 for d in arg.shape]
            return {"name": arg.name, "datatype": ONNX_TO_V2.get(inner, inner.upper()), "shape": shape}

        return {
            "inputs": [describe(i) for i in self.session.get_inputs()],
            "outputs": [describe(o) for o in self.session.get_outputs()],
        }

    def infer(self, inputs: dict[str, np.ndarray[Any, Any]], outputs: list[str] | None) -> dict[str, Any]:
        missing = [name for name in self.inputs if name not in inputs]
        unknown = [name for name in inputs if name not in self.inputs]
        if missing or unknown:
            raise BadInferenceInput(
                f"the model's inputs are {sorted(self.inputs)}; missing: {missing}, unknown: {unknown}"
            )
        wanted = outputs or self.output_names
        bad = [name for name in wanted if name not in self.output_names]
        if bad:
            raise BadInferenceInput(f"unknown outputs {bad}; the model's outputs are {self.output_names}")
        feed = {}
        for name, array in inputs.items():
            dtype = self.input_dtypes[name]
            if dtype is not None and array.dtype != dtype:
                if (array.dtype == np.object_) != (dtype is np.object_):
                    raise BadInferenceInput(f"the input {name!r} must be {self.inputs[name].type}")
                array = array.astype(dtype)
            feed[name] = array
        try:
            results = self.session.run(wanted, feed)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's InvalidArgument / Fail for shapes and ranks the model refuses
            raise BadInferenceInput(f"the model refused the inputs: {exc}") from None
        return dict(zip(wanted, results, strict=True))
