"""One runtime per model kind: load a model version from a local folder, describe it, run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wfo.serving.runtimes.base import Runtime


def load_runtime(kind: str, path: Path, signature: dict[str, Any]) -> Runtime:
    """Load the model file (or archive) at `path` as a `kind` model; raise on any failure."""
    if kind == "onnx":
        from wfo.serving.runtimes.onnx import OnnxRuntime

        return OnnxRuntime(path)
    if kind == "pmml":
        from wfo.serving.runtimes.pmml import PmmlRuntime

        return PmmlRuntime(path)
    if kind == "pytorch":
        from wfo.serving.runtimes.torch import MarRuntime

        return MarRuntime(path)
    if kind == "tensorflow":
        from wfo.serving.runtimes.tensorflow import SavedModelRuntime

        return SavedModelRuntime(path, signature)
    raise ValueError(f"models of the kind {kind!r} are not served")
