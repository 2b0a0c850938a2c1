"""TensorFlow SavedModels (CPU) through `tf.saved_model.load`, the `serving_default` signature.

The uploaded archive is extracted through the safe-file toolkit next to the downloaded file; the folder
holding `saved_model.pb` was found at upload (the version's signature, `saved_model`). TF-Serving's
`:predict` (row and columnar formats) and the v2 route both call the signature with the model's own input
dtypes. `:classify` / `:regress` need `tf.Example` signatures, which Keras exports do not have: those
requests get a 422 naming `:predict`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from wfo.repositories.model_files import MODEL_ARCHIVE_LIMITS
from wfo.serving.errors import BadInferenceInput
from wfo.serving.runtimes.base import Runtime
from wfo.storage.archives import extract_archive

TF_TO_V2 = {
    "float32": "FP32", "float64": "FP64", "float16": "FP16", "int8": "INT8", "int16": "INT16", "int32": "INT32",
    "int64": "INT64", "uint8": "UINT8", "uint16": "UINT16", "bool": "BOOL", "string": "BYTES",
}  # fmt: skip
_LOAD_LOCK = threading.Lock()


def _shape(spec: Any) -> list[int]:
    return (
        [-1 if dim is None else int(dim) for dim in spec.shape.as_list()]
        if spec.shape.rank is not None
        else [-1]
    )


class SavedModelRuntime(Runtime):
    kind = "tensorflow"
    platform = "tensorflow_savedmodel"

    def __init__(self, path: Path, signature: dict[str, Any]) -> None:
        from wfo.extras import require_extra

        require_extra("tensorflow", "TensorFlow models")
        import tensorflow as tf

        folder = path.parent / "model"
        if not folder.is_dir():
            extract_archive(path, folder, limits=MODEL_ARCHIVE_LIMITS)
        model_dir = folder / str(signature.get("saved_model", "."))
        with _LOAD_LOCK:
            self.model = tf.saved_model.load(str(model_dir))
        signatures = self.model.signatures
        if "serving_default" not in signatures:
            raise ValueError(f"the SavedModel has no serving_default signature (it has {sorted(signatures)})")
        self.function = signatures["serving_default"]
        self.input_specs: dict[str, Any] = dict(self.function.structured_input_signature[1])
        self.output_specs: dict[str, Any] = dict(self.function.structured_outputs)
        self._tf = tf

    def metadata(self) -> dict[str, Any]:
        def describe(name: str, spec: Any) -> dict[str, Any]:
            return {
                "name": name,
                "datatype": TF_TO_V2.get(spec.dtype.name, spec.dtype.name.upper()),
                "shape": _shape(spec),
            }

        return {
            "inputs": [describe(name, spec) for name, spec in self.input_specs.items()],
            "outputs": [describe(name, spec) for name, spec in self.output_specs.items()],
        }

    def infer(self, inputs: dict[str, np.ndarray[Any, Any]], outputs: list[str] | None) -> dict[str, Any]:
        missing = [name for name in self.input_specs if name not in inputs]
        unknown = [name for name in inputs if name not in self.input_specs]
        if missing or unknown:
            raise BadInferenceInput(
                f"the model's inputs are {sorted(self.input_specs)}; missing: {missing}, unknown: {unknown}"
            )
        wanted = outputs or list(self.output_specs)
        bad = [name for name in wanted if name not in self.output_specs]
        if bad:
            raise BadInferenceInput(
                f"unknown outputs {bad}; the model's outputs are {list(self.output_specs)}"
            )
        tf = self._tf
        try:
            feed = {
                name: tf.constant(array, dtype=self.input_specs[name].dtype) for name, array in inputs.items()
            }
            results = self.function(**feed)
        except (TypeError, ValueError, tf.errors.InvalidArgumentError) as exc:
            raise BadInferenceInput(f"the model refused the inputs: {exc}") from None
        return {name: results[name].numpy() for name in wanted}
