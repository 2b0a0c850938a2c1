"""Real models the model-serving tests build themselves (no downloads): ONNX from scikit-learn, PMML."""

from __future__ import annotations

import functools
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


@functools.cache
def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    features, target = load_iris(return_X_y=True)
    return features.astype(np.float32), target


@functools.cache
def onnx_classifier() -> tuple[Any, bytes]:
    """A logistic regression on iris and its ONNX export (outputs `label` and `probabilities`)."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    features, target = iris()
    model = LogisticRegression(max_iter=500).fit(features, target)
    exported = to_onnx(model, features[:1], options={id(model): {"zipmap": False}})
    return model, exported.SerializeToString()


@functools.cache
def onnx_regressor() -> tuple[Any, bytes]:
    """A linear regression (iris petal width from the other three) and its ONNX export (output `variable`)."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression

    features, _ = iris()
    model = LinearRegression().fit(features[:, :3], features[:, 3])
    return model, to_onnx(model, features[:1, :3]).SerializeToString()


def v2_request(rows: np.ndarray, name: str = "X") -> dict[str, Any]:
    return {
        "inputs": [
            {"name": name, "shape": list(rows.shape), "datatype": "FP32", "data": rows.ravel().tolist()}
        ]
    }


def v2_output(answer: dict[str, Any], name: str) -> np.ndarray:
    output = next(o for o in answer["outputs"] if o["name"] == name)
    return np.asarray(output["data"]).reshape(output["shape"])


@functools.cache
def pmml_tree() -> tuple[Any, Any, bytes]:
    """A decision tree on iris (columns sl, sw, pl, pw) exported by sklearn2pmml: (model, frame, PMML)."""
    import sklearn.base
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier
    from sklearn2pmml import sklearn2pmml
    from sklearn2pmml.pipeline import PMMLPipeline

    frame = load_iris(as_frame=True).data
    frame.columns = ["sl", "sw", "pl", "pw"]
    import pandas as pd

    target = pd.Series(load_iris().target.astype(str), name="target")
    # sklearn2pmml 0.133 refuses scikit-learn 1.9 by its version number alone; a decision tree is pickled
    # the same way by both, so the exported state claims 1.8.
    real_version = sklearn.base.__version__
    sklearn.base.__version__ = "1.8.0"  # type: ignore[attr-defined]
    try:
        pipeline = PMMLPipeline([("classifier", DecisionTreeClassifier(max_depth=3, random_state=0))])
        pipeline.fit(frame, target)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "iris.pmml"
            sklearn2pmml(pipeline, str(path))
            return pipeline, frame, path.read_bytes()
    finally:
        sklearn.base.__version__ = real_version  # type: ignore[attr-defined]


TABULAR_HANDLER = '''
import torch
from ts.torch_handler.base_handler import BaseHandler


class TabularHandler(BaseHandler):
    """A custom handler: JSON {"data": [[4 floats], ...]} in, the model's rows out."""

    def preprocess(self, data):
        body = data[0].get("body") or data[0].get("data")
        return torch.tensor(body["data"], dtype=torch.float32).reshape(-1, 4)

    def postprocess(self, output):
        return [output.tolist()]
'''


@functools.cache
def torch_linear() -> Any:
    """A tiny seeded torch model (4 -> 3)."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1)).eval()


def mar(handler: str, extra_files: dict[str, str] | None = None, name: str = "tabular") -> bytes:
    """A .mar built by torch-model-archiver from `torch_linear` (TorchScript) and `handler` (a file's code,
    or a built-in handler's name when it has no newline)."""
    import shutil
    import subprocess
    import sys

    import torch

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        torch.jit.script(torch_linear()).save(str(folder / "model.pt"))
        if "\n" in handler:
            (folder / "handler.py").write_text(handler)
            handler = str(folder / "handler.py")
        args = [
            str(Path(sys.executable).parent / "torch-model-archiver"), "--model-name", name, "--version", "1.0",
            "--serialized-file", str(folder / "model.pt"), "--handler", handler, "--export-path", str(folder),
        ]  # fmt: skip
        for filename, text in (extra_files or {}).items():
            (folder / filename).write_text(text)
        if extra_files:
            args += ["--extra-files", ",".join(str(folder / f) for f in extra_files)]
        subprocess.run(args, check=True, capture_output=True)
        data = (folder / f"{name}.mar").read_bytes()
        shutil.rmtree(folder, ignore_errors=True)
        return data


def with_handler(archive: bytes, handler: str) -> bytes:
    """`archive` with its manifest naming `handler`: TorchServe's built-in handlers that the archiver's
    own list lacks (`densenet_handler`) are named in the manifest the same way."""
    import json
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(archive)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "MAR-INF/MANIFEST.json":
                manifest = json.loads(content)
                manifest["model"]["handler"] = handler
                content = json.dumps(manifest).encode()
            target.writestr(item, content)
    return out.getvalue()


@functools.cache
def keras_savedmodel() -> tuple[Any, bytes]:
    """A tiny seeded Keras model (4 -> 3 softmax) exported as a SavedModel, as a .tar.gz of its folder."""
    import tarfile

    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    with tempfile.TemporaryDirectory() as tmp:
        model.export(str(Path(tmp) / "saved"), verbose=False)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(Path(tmp) / "saved", arcname="saved")
    return model, buffer.getvalue()


@functools.cache
def example_signatures_savedmodel() -> bytes:
    """A SavedModel as estimator exports were: `tf.Example` input with classify, regress and predict
    signatures (TF1 builder; TF-Serving's `:classify`/`:regress` call these). Features: `x`, two floats.
    Scores are softmax(x @ EXAMPLE_WEIGHTS) over classes ("no", "yes"); regression is x @ (2, 3)."""
    import tarfile

    import tensorflow as tf

    v1 = tf.compat.v1
    with tempfile.TemporaryDirectory() as tmp, tf.Graph().as_default():
        serialized = v1.placeholder(tf.string, [None], name="tf_example")
        x = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([2], tf.float32)})["x"]
        scores = tf.nn.softmax(tf.matmul(x, tf.constant(EXAMPLE_WEIGHTS, tf.float32)))
        classes = tf.tile(tf.constant([["no", "yes"]]), [tf.shape(x)[0], 1])
        regression = tf.matmul(x, tf.constant([[2.0], [3.0]]))
        signatures = {
            "serving_default": v1.saved_model.classification_signature_def(serialized, classes, scores),
            "regression": v1.saved_model.regression_signature_def(serialized, regression),
            "scores": v1.saved_model.predict_signature_def({"examples": serialized}, {"scores": scores}),
        }
        with v1.Session() as session:
            builder = v1.saved_model.Builder(str(Path(tmp) / "export"))
            builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map=signatures)
            builder.save()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(Path(tmp) / "export", arcname="export")
    return buffer.getvalue()


EXAMPLE_WEIGHTS = [[1.0, -1.0], [0.5, 2.0]]
