"""The models-and-datasets service the API calls: the repository plus what the model server says.

State of a model, as the page and `GET /models/{name}` show it: `stored` for kinds that are not served
(other, dataset); `serving` once the server answers with the latest version; `failed` (with the
reason) when the latest version did not load; `loading` otherwise (also while the server is down).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, BinaryIO

from wfo.errors import InvalidInput
from wfo.repositories.models import Added, ModelAccess, ModelManifest, ModelRepository, ModelVersion
from wfo.serving import client
from wfo.serving.schemas import (
    ApiKeyCreated,
    ApiKeyPublic,
    ModelDetail,
    ModelEndpoint,
    ModelList,
    ModelSummary,
    ModelUploaded,
    ModelVersionPublic,
    TryResult,
)


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def state_of(
    manifest: ModelManifest, states: dict[str, dict[str, Any]] | None
) -> tuple[str, int | None, str | None]:
    """(state, the version that answers, error)."""
    if not manifest.served:
        return "stored", None, None
    if states is None:
        return "loading", None, "the model server does not answer"
    seen = states.get(manifest.name)
    if seen is None:
        return "loading", None, None
    version = seen.get("version")
    if seen.get("latest") == manifest.latest and seen.get("state") == "failed":
        return "failed", version, seen.get("error")
    if version == manifest.latest and seen.get("state") == "serving":
        return "serving", version, None
    return "loading", version, None


def _example_value(datatype: str) -> Any:
    return (
        "a"
        if datatype in ("BYTES", "string")
        else (1.0 if datatype.startswith("FP") or datatype in ("double", "float") else 1)
    )


def example(manifest: ModelManifest, served: dict[str, Any] | None = None) -> tuple[str | None, Any]:
    """A request the model accepts as far as its signature (or the server's metadata, `served`) says:
    (protocol, JSON body)."""
    signature = manifest.current.signature
    if not signature.get("inputs") and served and served.get("inputs"):
        signature = served
    if manifest.kind == "pmml":
        arguments = {f["name"]: _example_value(f.get("datatype", "")) for f in signature.get("inputs", [])}
        return "openscoring", {"id": "record-1", "arguments": arguments}
    if manifest.kind == "pytorch":
        return "torchserve", {"data": [[1.0, 2.0, 3.0, 4.0]]}
    if manifest.kind in ("onnx", "tensorflow"):
        inputs = []
        for item in signature.get("inputs", []):
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in item.get("shape", [1])] or [1]
            value = _example_value(item.get("datatype", "FP32"))
            inputs.append(
                {
                    "name": item["name"],
                    "shape": shape,
                    "datatype": item.get("datatype", "FP32"),
                    "data": [value] * math.prod(shape),
                }
            )
        if not inputs:
            inputs = [{"name": "input", "shape": [1, 1], "datatype": "FP32", "data": [1.0]}]
        return "v2", {"inputs": inputs}
    return None, None


def route(protocol: str, name: str) -> str:
    return {
        "v2": f"/v2/models/{name}/infer",
        "tfserving": f"/v1/models/{name}:predict",
        "torchserve": f"/predictions/{name}",
        "openscoring": f"/openscoring/model/{name}",
    }[protocol]


def endpoints(manifest: ModelManifest, server: str, api_base: str) -> list[ModelEndpoint]:
    name = manifest.name
    if not manifest.served:
        return [
            ModelEndpoint(
                protocol="download", method="GET", url=f"{api_base}/wfo/api/v1/models/{name}/download"
            )
        ]
    found = [
        ModelEndpoint(protocol="v2", method="POST", url=f"{server}{route('v2', name)}"),
        ModelEndpoint(protocol="v2", method="GET", url=f"{server}/v2/models/{name}"),
    ]
    if manifest.kind in ("tensorflow", "onnx"):
        found.append(
            ModelEndpoint(protocol="tfserving", method="POST", url=f"{server}{route('tfserving', name)}")
        )
        found.append(
            ModelEndpoint(protocol="tfserving", method="GET", url=f"{server}/v1/models/{name}/metadata")
        )
    if manifest.kind == "pytorch":
        found.append(
            ModelEndpoint(protocol="torchserve", method="POST", url=f"{server}{route('torchserve', name)}")
        )
    if manifest.kind == "pmml":
        found.append(
            ModelEndpoint(protocol="openscoring", method="POST", url=f"{server}{route('openscoring', name)}")
        )
        found.append(
            ModelEndpoint(
                protocol="openscoring", method="POST", url=f"{server}{route('openscoring', name)}/csv"
            )
        )
    return found


def curl(manifest: ModelManifest, server: str, api_base: str, protocol: str | None, body: Any) -> str:
    auth = '-H "Authorization: Bearer $TOKEN"'
    if protocol is None:
        return f"curl -fL {auth} -o '{manifest.current.filename}' '{api_base}/wfo/api/v1/models/{manifest.name}/download'"
    return (
        f"curl -X POST {auth} -H 'Content-Type: application/json' \\\n  '{server}{route(protocol, manifest.name)}' \\\n"
        f"  -d '{json.dumps(body)}'"
    )


def _version(entry: ModelVersion) -> ModelVersionPublic:
    return ModelVersionPublic(
        version=entry.version,
        filename=entry.filename,
        size=entry.size,
        sha256=entry.sha256,
        uploaded_by=entry.uploaded_by,
        uploaded_at=_time(entry.uploaded_at),
        signature=entry.signature,
        restored_from=entry.restored_from,
    )


class ModelCatalog:
    def __init__(self, repository: ModelRepository | None = None) -> None:
        self.repository = repository or ModelRepository.from_settings()

    def _summary(
        self, manifest: ModelManifest, states: dict[str, dict[str, Any]] | None, access: ModelAccess
    ) -> dict[str, Any]:
        state, serving, error = state_of(manifest, states)
        latest = manifest.current
        return {
            "name": manifest.name,
            "kind": manifest.kind,
            "version": manifest.latest,
            "versions": len(manifest.versions),
            "size": latest.size,
            "uploaded_by": latest.uploaded_by,
            "uploaded_at": _time(latest.uploaded_at),
            "state": state,
            "serving_version": serving,
            "error": error,
            "public": access.public,
        }

    def listing(self, token: str | None, kind: str | None = None) -> ModelList:
        manifests = self.repository.search(kind)
        states = client.states(token) if any(m.served for m in manifests) or not manifests else None
        summaries = [
            ModelSummary(**self._summary(m, states, self.repository.access(m.name))) for m in manifests
        ]
        return ModelList(models=summaries, server_url=client.public_url(), server_up=states is not None)

    def detail(self, name: str, token: str | None, api_base: str) -> ModelDetail:
        manifest = self.repository.get(name)
        access = self.repository.access(name)
        states = client.states(token) if manifest.served else None
        server = client.public_url()
        summary = self._summary(manifest, states, access)
        # A SavedModel's inputs are known once it is loaded: the server's metadata fills the example.
        served = (
            client.metadata(name, token)
            if manifest.kind == "tensorflow" and summary["state"] == "serving"
            else None
        )
        protocol, body = example(manifest, served)
        keys = [
            ApiKeyPublic(id=k.id, label=k.label, created_by=k.created_by, created_at=_time(k.created_at))
            for k in access.keys
        ]
        return ModelDetail(
            **summary,
            latest=manifest.latest,
            all_versions=[_version(v) for v in reversed(manifest.versions)],
            endpoints=endpoints(manifest, server, api_base),
            keys=keys,
            curl=curl(manifest, server, api_base, protocol, body),
            example_protocol=protocol,  # type: ignore[arg-type]
            example_request=body,
        )

    def upload(self, kind: str, name: str, filename: str, stream: BinaryIO, username: str) -> ModelUploaded:
        return _uploaded(self.repository.upload(kind, name, filename, stream, username))

    def restore(self, name: str, version: int, username: str) -> ModelUploaded:
        return _uploaded(self.repository.restore(name, version, username))

    def create_key(self, name: str, label: str, username: str) -> ApiKeyCreated:
        record, key = self.repository.create_key(name, label, username)
        return ApiKeyCreated(
            id=record.id,
            label=record.label,
            created_by=record.created_by,
            created_at=_time(record.created_at),
            key=key,
        )

    def try_it(self, name: str, protocol: str, body: Any, token: str | None) -> TryResult:
        manifest = self.repository.get(name)
        if not manifest.served:
            raise InvalidInput(f"{name!r} is a {manifest.kind} entry: it is kept, not served")
        status, answer = client.forward(
            route(protocol, name), json.dumps(body).encode(), "application/json", token
        )
        return TryResult(status=status, response=answer)


def _uploaded(added: Added) -> ModelUploaded:
    return ModelUploaded(name=added.name, kind=added.kind, version=added.version, unchanged=added.unchanged)  # type: ignore[arg-type]
