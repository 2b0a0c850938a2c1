"""What an uploaded model or dataset file is: its kind's checks and its detected signature.

Every check works on a local copy of the upload (spooled by `wfo.repositories.models`); archives are
opened only through the safe-file toolkit (`wfo.storage.archives`: hostile members refused, nothing
written) into a temporary folder that is removed afterwards. The signature is what the page and the
serving routes show: a model's inputs and outputs (names, types, shapes) as far as its format says.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from wfo.repositories.errors import RepositoryError
from wfo.storage.archives import ArchiveLimits, extract_archive, extract_zip
from wfo.storage.errors import StorageError
from wfo.storage.limits import GiB, MiB, check_extension
from wfo.storage.xml import parse_xml

ModelKind = Literal["tensorflow", "pmml", "pytorch", "onnx", "other", "dataset"]
KINDS: tuple[ModelKind, ...] = ("tensorflow", "pmml", "pytorch", "onnx", "other", "dataset")
# Kinds the model server loads; `other` models and datasets are only kept.
SERVED_KINDS: frozenset[str] = frozenset({"tensorflow", "pmml", "pytorch", "onnx"})
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "tensorflow": (".tar", ".tar.gz", ".tgz", ".zip"),
    "pmml": (".pmml", ".xml"),
    "pytorch": (".mar",),
    "onnx": (".onnx",),
    "other": (".tar", ".tar.gz", ".tgz", ".zip"),
}
MAX_PMML_BYTES = 256 * MiB
MODEL_ARCHIVE_LIMITS = ArchiveLimits(max_members=20_000, max_total_bytes=4 * GiB, max_member_bytes=2 * GiB)
MAR_MANIFEST = "MAR-INF/MANIFEST.json"


class InvalidModelError(RepositoryError):
    """The file is not a model of the kind it was uploaded as (422)."""


def check_kind_extension(kind: str, filename: str) -> None:
    if kind not in KINDS:
        raise InvalidModelError(f"the kind {kind!r} is unknown; one of: {', '.join(KINDS)}")
    allowed = EXTENSIONS.get(kind)
    if allowed is not None:
        check_extension(filename, allowed)


def inspect(kind: str, path: Path) -> dict[str, Any]:
    """Check that `path` is a `kind` model and return its signature; `InvalidModelError` if not."""
    try:
        if kind == "onnx":
            return onnx_signature(path)
        if kind == "pmml":
            return pmml_signature(path.read_bytes())
        if kind == "pytorch":
            with tempfile.TemporaryDirectory(prefix="wfo-mar-") as tmp:
                extract_zip(path, Path(tmp) / "mar", limits=MODEL_ARCHIVE_LIMITS)
                return mar_signature(Path(tmp) / "mar")
        if kind in ("tensorflow", "other"):
            with tempfile.TemporaryDirectory(prefix="wfo-model-") as tmp:
                entries = extract_archive(path, Path(tmp) / "x", limits=MODEL_ARCHIVE_LIMITS)
                files = [e.path for e in entries if not e.is_dir]
                if kind == "other":
                    return {"files": len(files)}
                return saved_model_signature(Path(tmp) / "x")
        return dataset_signature(path)
    except StorageError as exc:
        raise InvalidModelError(f"the {kind} file is refused: {exc}") from None


def _onnx_type(text: str) -> str:
    """`tensor(float)` -> the Open Inference Protocol's `FP32`."""
    inner = text.removeprefix("tensor(").removesuffix(")")
    return ONNX_TO_V2.get(inner, inner.upper())


ONNX_TO_V2 = {
    "float": "FP32", "double": "FP64", "float16": "FP16", "int8": "INT8", "int16": "INT16",
    "int32": "INT32", "int64": "INT64", "uint8": "UINT8", "uint16": "UINT16", "uint32": "UINT32",
    "uint64": "UINT64", "bool": "BOOL", "string": "BYTES",
}  # fmt: skip


def _shape(shape: list[Any]) -> list[int]:
    return [dim if isinstance(dim, int) else -1 for dim in shape]


def onnx_signature(path: Path) -> dict[str, Any]:
    """Inputs and outputs as onnxruntime reads them (the model is loaded once: it must load)."""
    from wfo.extras import MissingExtraError, require_extra

    try:
        require_extra("models", "ONNX models", ("onnxruntime",))
    except MissingExtraError as exc:
        raise InvalidModelError(str(exc)) from None
    import onnxruntime

    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own (pybind) exception types
        raise InvalidModelError(f"the file is not an ONNX model onnxruntime can load: {exc}") from None
    return {
        "inputs": [
            {"name": i.name, "datatype": _onnx_type(i.type), "shape": _shape(i.shape)}
            for i in session.get_inputs()
        ],
        "outputs": [
            {"name": o.name, "datatype": _onnx_type(o.type), "shape": _shape(o.shape)}
            for o in session.get_outputs()
        ],
    }


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def pmml_signature(data: bytes) -> dict[str, Any]:
    """A PMML document's active fields (inputs), its targets and output fields (outputs)."""
    root = parse_xml(data, max_bytes=MAX_PMML_BYTES)
    if _local(root.tag) != "PMML":
        raise InvalidModelError(f"the document's root is <{_local(root.tag)}>, not <PMML>")
    types: dict[str, str] = {}
    for element in root.iter():
        if _local(element.tag) == "DataField":
            types[element.get("name", "")] = element.get("dataType", "")
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    model_type = function = ""
    for child in root:
        name = _local(child.tag)
        if name in ("Header", "DataDictionary", "TransformationDictionary", "MiningBuildTask", "Extension"):
            continue
        model_type = name
        function = child.get("functionName", "")
        for element in child.iter():
            tag = _local(element.tag)
            if tag == "MiningField":
                field = element.get("name", "")
                usage = element.get("usageType", "active")
                entry = {"name": field, "datatype": types.get(field, "")}
                if usage == "active":
                    inputs.append(entry)
                elif usage in ("target", "predicted"):
                    outputs.append(entry)
            elif tag == "OutputField":
                outputs.append({"name": element.get("name", ""), "datatype": element.get("dataType", "")})
        break
    if not model_type:
        raise InvalidModelError("the PMML document holds no model element")
    return {"model": model_type, "function": function, "inputs": inputs, "outputs": outputs}


def mar_signature(folder: Path) -> dict[str, Any]:
    """A TorchServe archive's manifest: handler, serialized file, model file (as TorchServe reads it)."""
    manifest_path = folder / MAR_MANIFEST
    if not manifest_path.is_file():
        raise InvalidModelError(f"the .mar has no {MAR_MANIFEST} (build it with torch-model-archiver)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        model = manifest["model"]
        handler = str(model["handler"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidModelError(f"the .mar's {MAR_MANIFEST} cannot be read: {exc}") from None
    serialized = model.get("serializedFile")
    if serialized and not (folder / serialized).is_file():
        raise InvalidModelError(f"the .mar's serialized file {serialized!r} is missing")
    return {
        "handler": handler,
        "serialized_file": serialized,
        "model_file": model.get("modelFile"),
        "model_name": model.get("modelName"),
        "model_version": model.get("modelVersion"),
    }


def saved_model_signature(folder: Path) -> dict[str, Any]:
    """Where the SavedModel is in the archive (the root or one folder down)."""
    for candidate in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        if (candidate / "saved_model.pb").is_file():
            return {"saved_model": candidate.relative_to(folder).as_posix() or "."}
    raise InvalidModelError("the archive holds no saved_model.pb (at its root or one folder down)")


def dataset_signature(path: Path) -> dict[str, Any]:
    """For CSV-like files, the header line's columns."""
    if path.suffix.lower() not in (".csv", ".tsv"):
        return {}
    with open(path, "rb") as handle:
        head = handle.readline(64 * 1024).decode("utf-8", "replace").rstrip("\r\n")
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    return {"columns": [column.strip() for column in head.split(separator)][:200]}
