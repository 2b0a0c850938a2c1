"""TensorFlow SavedModels (CPU) through `tf.saved_model.load`, the `serving_default` signature.

The uploaded archive is extracted through the safe-file toolkit next to the downloaded file; the folder
holding `saved_model.pb` was found at upload (the version's signature, `saved_model`). TF-Serving's
`:predict` (row and columnar formats) and the v2 route both call the signature with the model's own input
dtypes.

`:classify` / `:regress` call a signature whose method is TF-Serving's classify/regress (estimator exports and
`tf.compat.v1.saved_model.classification_signature_def`, read from `saved_model.pb`): the request's
`examples` (each merged over the optional `context`) become serialized `tf.train.Example`s, as TF-Serving
builds them. Keras exports have no such signature: those requests get a 422 naming `:predict`.
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
EXAMPLE_METHODS = {"tensorflow/serving/classify": "classify", "tensorflow/serving/regress": "regress"}
MAX_EXAMPLES = 10_000


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
        self.example_signatures, self.signature_defs = _signatures(model_dir / "saved_model.pb")
        self._tf = tf

    def supports(self, verb: str) -> bool:
        return verb in self.example_signatures.values()

    def classify(self, body: dict[str, Any]) -> dict[str, Any]:
        outputs = self._call_examples("classify", body)
        scores = outputs.get("scores")
        classes = outputs.get("classes")
        present = scores if scores is not None else classes
        if present is None:
            raise BadInferenceInput("the classify signature has neither `classes` nor `scores` outputs")
        rows = len(present)
        results = []
        for row in range(rows):
            labels = [] if classes is None else [_text(c) for c in np.atleast_1d(classes[row])]
            values = [] if scores is None else [float(v) for v in np.atleast_1d(scores[row])]
            width = max(len(labels), len(values))
            results.append(
                [
                    [labels[i] if i < len(labels) else "", values[i] if i < len(values) else 0.0]
                    for i in range(width)
                ]
            )
        return {"results": results}

    def regress(self, body: dict[str, Any]) -> dict[str, Any]:
        outputs = self._call_examples("regress", body)
        values = outputs.get("outputs")
        if values is None:
            raise BadInferenceInput("the regress signature has no `outputs` output")
        return {"results": [float(np.asarray(v).reshape(-1)[0]) for v in values]}

    def _call_examples(self, verb: str, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("signature_name")
        names = [name for name, method in self.example_signatures.items() if method == verb]
        if wanted is not None:
            if wanted not in names:
                raise BadInferenceInput(
                    f"no {verb} signature named {wanted!r}; the model's are {sorted(names)}"
                )
            names = [str(wanted)]
        if not names:
            raise BadInferenceInput(f"the model's signature has no {verb} method; use :predict")
        examples, context = body.get("examples"), body.get("context", {})
        if not isinstance(examples, list) or not examples or not all(isinstance(e, dict) for e in examples):
            raise BadInferenceInput("`examples` must be a non-empty list of objects (feature name -> value)")
        if len(examples) > MAX_EXAMPLES:
            raise BadInferenceInput(f"at most {MAX_EXAMPLES} examples per request")
        if not isinstance(context, dict):
            raise BadInferenceInput("`context` must be an object (feature name -> value)")
        tf = self._tf
        serialized = [_example(tf, {**context, **example}).SerializeToString() for example in examples]
        function = self.model.signatures[names[0]]
        (argument,) = function.structured_input_signature[1]
        try:
            results = function(**{argument: tf.constant(serialized, dtype=tf.string)})
        except (TypeError, ValueError, tf.errors.InvalidArgumentError) as exc:
            raise BadInferenceInput(f"the model refused the examples: {_first_line(exc)}") from None
        return {name: value.numpy() for name, value in results.items()}

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


def _signatures(saved_model_pb: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """From the SavedModel's own signature map: signature name -> "classify" / "regress" for those TF-Serving
    would call with examples; and every signature as TF-Serving's metadata route shows it (the
    `SignatureDef` messages as JSON with their proto field names: `inputs`, `outputs`, `method_name`)."""
    from google.protobuf.json_format import MessageToDict
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString(saved_model_pb.read_bytes())
    examples: dict[str, str] = {}
    definitions: dict[str, Any] = {}
    for graph in saved.meta_graphs:
        for name, definition in graph.signature_def.items():
            if name.startswith("__"):  # internal ones (`__saved_model_init_op`), as TF-Serving hides them
                continue
            if definition.method_name in EXAMPLE_METHODS:
                examples[name] = EXAMPLE_METHODS[definition.method_name]
            definitions[name] = MessageToDict(definition, preserving_proto_field_name=True)
    return examples, definitions


def _example(tf: Any, features: dict[str, Any]) -> Any:
    """One `tf.train.Example` from JSON as TF-Serving reads it: numbers and strings, lists of one kind,
    `{"b64": ...}` for bytes."""
    import base64

    def feature(name: str, value: Any) -> Any:
        values = value if isinstance(value, list) else [value]
        if not values:
            raise BadInferenceInput(f"feature {name!r} has no values")
        if all(isinstance(v, bool) or isinstance(v, int) for v in values):
            return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return tf.train.Feature(float_list=tf.train.FloatList(value=[float(v) for v in values]))
        if all(isinstance(v, str) for v in values):
            return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode() for v in values]))
        if all(isinstance(v, dict) and set(v) == {"b64"} and isinstance(v["b64"], str) for v in values):
            try:
                raw = [base64.b64decode(v["b64"], validate=True) for v in values]
            except ValueError:
                raise BadInferenceInput(f"feature {name!r}: a `b64` value is not base64") from None
            return tf.train.Feature(bytes_list=tf.train.BytesList(value=raw))
        raise BadInferenceInput(
            f'feature {name!r} must be numbers, strings or {{"b64": ...}} values of one kind (or a list of them)'
        )

    return tf.train.Example(
        features=tf.train.Features(feature={str(k): feature(str(k), v) for k, v in features.items()})
    )


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
