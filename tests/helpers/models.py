"""Real models the model-serving tests build themselves (no downloads): ONNX from scikit-learn, PMML."""

from __future__ import annotations

import functools
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
