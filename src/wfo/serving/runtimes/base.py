"""The runtime interface and the Open Inference Protocol v2 tensors (JSON <-> numpy), checked."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from wfo.serving.errors import BadInferenceInput

V2_TO_NUMPY: dict[str, Any] = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64, "FP16": np.float16,
    "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}  # fmt: skip
MAX_ELEMENTS = 10_000_000
# A numpy dtype's v2 name, looked up per answer (not BYTES: anything else is BYTES).
_V2_NAME = {np.dtype(dtype): name for name, dtype in V2_TO_NUMPY.items() if name != "BYTES"}


def v2_datatype(array: np.ndarray[Any, Any]) -> str:
    return _V2_NAME.get(array.dtype, "BYTES")


def tensor_to_array(tensor: Any, index: int) -> tuple[str, np.ndarray[Any, Any]]:
    """One request tensor `{name, shape, datatype, data}` as (name, array); `BadInferenceInput` if malformed."""
    where = f"inputs[{index}]"
    if not isinstance(tensor, dict):
        raise BadInferenceInput(f"{where} must be an object with name, shape, datatype and data")
    name = tensor.get("name")
    if not isinstance(name, str) or not name:
        raise BadInferenceInput(
            f"{where}.name is missing (the input's name, as the model's metadata lists it)"
        )
    shape = tensor.get("shape")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise BadInferenceInput(f"{where} ({name}): shape must be a list of non-negative integers")
    datatype = tensor.get("datatype")
    if datatype not in V2_TO_NUMPY:
        raise BadInferenceInput(f"{where} ({name}): datatype must be one of {', '.join(V2_TO_NUMPY)}")
    if "data" not in tensor:
        raise BadInferenceInput(f"{where} ({name}): data is missing")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise BadInferenceInput(f"{where} ({name}): more than {MAX_ELEMENTS} elements")
    try:
        array = np.asarray(tensor["data"], dtype=V2_TO_NUMPY[datatype])
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadInferenceInput(
            f"{where} ({name}): data does not fit the datatype {datatype}: {exc}"
        ) from None
    if array.size != count:
        raise BadInferenceInput(
            f"{where} ({name}): data holds {array.size} elements, the shape {shape} needs {count}"
        )
    return name, array.reshape(shape)


def array_to_tensor(name: str, value: Any) -> dict[str, Any]:
    """A result as a v2 output tensor (anything that is not an array of numbers becomes BYTES)."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=object)
    datatype = v2_datatype(array)
    if datatype == "BYTES":
        data = [
            item.decode("utf-8", "replace") if isinstance(item, bytes) else _plain(item)
            for item in array.ravel()
        ]
    else:
        data = array.ravel().tolist()
    return {"name": name, "shape": list(array.shape), "datatype": datatype, "data": data}


def _plain(item: Any) -> Any:
    if isinstance(item, np.generic):
        return item.item()
    if isinstance(item, dict):
        return {str(k): _plain(v) for k, v in item.items()}
    if isinstance(item, str | int | float | bool) or item is None:
        return item
    return str(item)


class Runtime(ABC):
    """A loaded model version."""

    kind: str
    platform: str

    @abstractmethod
    def metadata(self) -> dict[str, Any]:
        """{"inputs": [...], "outputs": [...]}: names, datatypes, shapes (-1: any size)."""

    @abstractmethod
    def infer(self, inputs: dict[str, np.ndarray[Any, Any]], outputs: list[str] | None) -> dict[str, Any]:
        """Run the model on named input arrays; return named outputs (all, or those asked for)."""

    def close(self) -> None:  # noqa: B027 - most runtimes hold nothing to free
        """Free what the model holds (called once it no longer serves)."""
