"""The model server's settings: the port comes from `wfo.settings` (`--port` + 4000), the rest from `WFO_MODEL_*`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from wfo.settings import Settings
from wfo.storage.limits import MiB


@dataclass(frozen=True)
class ServingConfig:
    host: str
    port: int
    # The URL clients use (the page's endpoints and curl examples): WFO_MODEL_SERVER_URL, else the
    # api-server's host with the model server's port.
    public_url: str
    # The URL the api-server uses to ask for serving states (same host).
    internal_url: str
    workers: int
    poll_seconds: float
    max_request_bytes: int
    # Long-lived objects (libraries, models) leave the collector's generations (`gc.freeze`).
    freeze_gc: bool


def serving_config(settings: Settings, env: dict[str, str] | None = None) -> ServingConfig:
    env = dict(os.environ) if env is None else env
    port = settings.model_server_port
    default_public = _with_port(settings.base_url, port)
    return ServingConfig(
        host=settings.host,
        port=port,
        public_url=env.get("WFO_MODEL_SERVER_URL", "").rstrip("/") or default_public,
        internal_url=_with_port(settings.internal_url, port),
        workers=max(1, int(env.get("WFO_MODEL_SERVER_WORKERS", "1"))),
        poll_seconds=max(0.2, float(env.get("WFO_MODEL_POLL_SECONDS", "1"))),
        max_request_bytes=int(env.get("WFO_MODEL_MAX_REQUEST_BYTES", str(64 * MiB))),
        freeze_gc=env.get("WFO_MODEL_SERVER_GC_FREEZE", "1") != "0",
    )


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return urlunsplit((parts.scheme, f"{host}:{port}", "", "", ""))
