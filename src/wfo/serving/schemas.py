"""The models the models-and-datasets routes take and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Kind = Literal["tensorflow", "pmml", "pytorch", "onnx", "other", "dataset"]
State = Literal["loading", "serving", "failed", "stored"]
Protocol = Literal["v2", "tfserving", "torchserve", "openscoring"]


class ModelVersionPublic(BaseModel):
    version: int
    filename: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime | None
    signature: dict[str, Any] = Field(description="detected inputs/outputs (or handler, columns ...)")
    restored_from: int | None = None


class ModelSummary(BaseModel):
    name: str
    kind: Kind
    version: int = Field(description="the latest version")
    versions: int
    size: int
    uploaded_by: str
    uploaded_at: datetime | None
    state: State
    serving_version: int | None = None
    error: str | None = None
    public: bool = False


class ModelList(BaseModel):
    models: list[ModelSummary]
    server_url: str = Field(description="the model server's address as clients use it")
    server_up: bool


class ModelEndpoint(BaseModel):
    protocol: Protocol | Literal["download"]
    method: Literal["GET", "POST"]
    url: str


class ApiKeyPublic(BaseModel):
    id: str
    label: str
    created_by: str
    created_at: datetime | None


class ModelDetail(ModelSummary):
    latest: int
    all_versions: list[ModelVersionPublic]
    endpoints: list[ModelEndpoint]
    keys: list[ApiKeyPublic]
    curl: str = Field(description="a copyable example request")
    example_protocol: Protocol | None = None
    example_request: Any = Field(default=None, description="a JSON body for `example_protocol`")


class ModelUploaded(BaseModel):
    name: str
    kind: Kind
    version: int
    unchanged: bool = Field(description="the bytes equal the latest version: no version was added")


class ModelRestore(BaseModel):
    version: int = Field(ge=1, le=2**31, description="the version whose content becomes the new latest")


class ApiKeyCreate(BaseModel):
    label: str = Field(default="", max_length=100)


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the key itself: shown only now, stored as a digest")


class ModelPublic(BaseModel):
    public: bool


class TryRequest(BaseModel):
    protocol: Protocol = "v2"
    request: Any = Field(description="the JSON body sent to the model's route")


class TryResult(BaseModel):
    status: int
    response: Any
