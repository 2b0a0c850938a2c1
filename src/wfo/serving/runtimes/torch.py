"""PyTorch `.mar` archives, opened and run as TorchServe does (its own `ts` library, in this process).

The archive is extracted through the safe-file toolkit; `MAR-INF/MANIFEST.json` names the handler (a
file of the archive, `handler.py[:function]`, or a built-in handler by name: `image_classifier`,
`text_classifier`, `object_detector`, `image_segmenter`, `base_handler` ...), the serialized file and
the model file. Built-in handlers that need torchvision or captum (the image and text ones) load only
where those are installed; `densenet_handler` (a `torch.save`d tensor in, the model's output out) and
custom handlers need torch alone. TorchServe's `TsModelLoader` loads it (a handler class's `initialize(context)`, or a
module function called with no data), and each request goes to the entry point as one batch of one
`{"body": ...}` (JSON bodies parsed, text decoded, anything else as bytes), as TorchServe's worker
hands it over. Handler modules are imported with the model's folder first on `sys.path` and removed
from `sys.modules` afterwards, so two archives with a `handler.py` each do not see each other's.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from wfo.repositories.model_files import MAR_MANIFEST, MODEL_ARCHIVE_LIMITS
from wfo.serving.errors import BadInferenceInput
from wfo.serving.runtimes.base import Runtime
from wfo.storage.archives import extract_zip

_IMPORT_LOCK = threading.Lock()


class _NoMetrics:
    """TorchServe's metrics cache, as far as handlers call it; nothing is collected."""

    request_ids: Any = None

    def __getattr__(self, _name: str) -> Any:
        return lambda *args, **kwargs: None


def _model_modules(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.py")}


class MarRuntime(Runtime):
    kind = "pytorch"
    platform = "pytorch_torchserve"

    def __init__(self, path: Path) -> None:
        from wfo.extras import require_extra

        require_extra("torch", "PyTorch models")
        import torch
        from ts.model_loader import TsModelLoader

        # Small models under many concurrent requests: one intra-op thread each (process-wide setting).
        torch.set_num_threads(int(os.environ.get("WFO_MODEL_TORCH_THREADS", "1")))

        folder = path.parent / "mar"
        if not folder.is_dir():
            extract_zip(path, folder, limits=MODEL_ARCHIVE_LIMITS)
        self.manifest = json.loads((folder / MAR_MANIFEST).read_text(encoding="utf-8"))
        model = self.manifest["model"]
        self.name = str(model.get("modelName", path.stem))
        handler = str(model["handler"])
        with _IMPORT_LOCK:
            own = _model_modules(folder)
            for name in own:
                sys.modules.pop(name, None)
            sys.path.insert(0, str(folder))
            try:
                importlib.invalidate_caches()
                self.service = TsModelLoader().load(
                    self.name, str(folder), handler, None, 1, None, True, _NoMetrics()
                )
            finally:
                with contextlib.suppress(ValueError):
                    sys.path.remove(str(folder))
                for name in own:
                    sys.modules.pop(name, None)
        self.service.context.metrics = _NoMetrics()
        self._lock = threading.Lock()
        # Requests to this model queue here in arrival order (one at a time, see `_run`), off the event loop.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mar-{self.name}")
        # Moving average of the handler's time per request (the server runs fast handlers inline).
        self.average_seconds = 0.0
        self.description = {"handler": handler, "modelVersion": str(model.get("modelVersion", ""))}

    def close(self) -> None:
        self.executor.shutdown(wait=False)

    def metadata(self) -> dict[str, Any]:
        return {
            "inputs": [{"name": "body", "datatype": "BYTES", "shape": [-1]}],
            "outputs": [{"name": "output", "datatype": "BYTES", "shape": [-1]}],
        }

    def _run(self, body: Any, content_type: str) -> Any:
        from ts.utils.util import PredictionException

        context = self.service.context
        with self._lock:  # a handler keeps per-request state on itself (self.context); one request at a time
            started = time.perf_counter()
            context.request_ids = {0: str(uuid.uuid4())}
            context.request_processor = [_Headers({"body": {"content-type": content_type}})]
            try:
                result = self.service._entry_point([{"body": body, "data": body}], context)
            except PredictionException as exc:
                raise BadInferenceInput(f"the handler refused the request: {exc.message}") from None
            except Exception as exc:  # noqa: BLE001 - the handler is the model's own code: its failure is the request's
                raise BadInferenceInput(
                    f"the handler failed on this request: {type(exc).__name__}: {exc}"
                ) from None
            finally:
                self.average_seconds = 0.9 * self.average_seconds + 0.1 * (time.perf_counter() - started)
        if not isinstance(result, list) or len(result) != 1:
            raise BadInferenceInput("the handler did not return one result for the request (TorchServe: 503)")
        return result[0]

    def predict(self, raw: bytes, content_type: str) -> Any:
        """TorchServe's `/predictions/{model}`: the body as the handler receives it."""
        media = content_type.split(";", 1)[0].strip().lower()
        body: Any = bytearray(raw)
        if media == "application/json":
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadInferenceInput(f"the body is not JSON: {exc}") from None
        elif media.startswith("text/"):
            body = raw.decode("utf-8", "replace")
        return self._run(body, content_type)

    def infer(self, inputs: dict[str, Any], outputs: list[str] | None) -> dict[str, Any]:
        """v2: each input tensor's value (as a nested list) goes to the handler as a JSON body."""
        import numpy as np

        if len(inputs) != 1:
            raise BadInferenceInput("a .mar model takes one input tensor (its value is the handler's body)")
        value = next(iter(inputs.values()))
        result = self._run(np.asarray(value).tolist(), "application/json")
        return {
            "output": np.asarray(result)
            if _numeric(result)
            else np.asarray([json.dumps(result)], dtype=object)
        }


def _numeric(value: Any) -> bool:
    import numpy as np

    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


class _Headers:
    """TorchServe's RequestProcessor: the request's headers by parameter name."""

    def __init__(self, headers: dict[str, Any]) -> None:
        self._headers = headers

    def get_request_property(self, key: str) -> Any:
        return self._headers.get(key)

    def get_request_properties(self) -> dict[str, Any]:
        return self._headers

    def add_response_property(self, key: str, value: Any) -> None:
        self._headers[key] = value

    def get_response_headers(self) -> dict[str, Any]:
        return {}

    def get_response_header(self, key: str) -> Any:
        return None

    def get_response_status(self) -> tuple[int, str]:
        return 200, "OK"

    def report_status(self, code: int, reason: str | None = None) -> None:
        return None
