"""The runtime section of a config group as data: where Python code runs (a Dask cluster, interpreters).

Stored in `ConfigGroup.runtime` as JSON; NULL (and every missing key) means the defaults, so groups
created before this section existed, and snapshots published before it, behave like a new group. The
model is the API's request and response, an import's, and what a published snapshot holds; light
(pydantic only), because task processes read it (`wfo.clusters.runtime_section.runtime_from_snapshot`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from wfo.clusters.validation import rule

DaskMode = Literal["local", "scheduler", "yarn"]
DASK_MODES: tuple[DaskMode, ...] = get_args(DaskMode)
SCHEDULER_SCHEMES = ("tcp://", "tls://")
ENV_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MEMORY_PATTERN = re.compile(r"\d+(\.\d+)?\s*(B|[KMGT]i?B|[KMGT])?", re.IGNORECASE | re.ASCII)
MAX_PATH_CHARS = 1024
MAX_ENVIRONMENTS = 50


def optional_text(value: Any, max_chars: int = MAX_PATH_CHARS) -> str | None:
    """Stripped text, None for null or blank; ValueError for other types or control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be a string or null, not {value!r}")
    text = value.strip()
    if not text:
        return None
    if len(text) > max_chars:
        raise ValueError(f"is longer than {max_chars} characters")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ValueError("contains a control character")
    return text


def check_scheduler_address(value: Any) -> str | None:
    address = optional_text(value, 256)
    if address is None:
        return None
    if not address.startswith(SCHEDULER_SCHEMES) or len(address) <= len("tcp://") or " " in address:
        raise ValueError(f"must look like tcp://host:8786 or tls://host:8786, not {address!r}")
    return address


def interpreter(value: Any) -> str:
    path = optional_text(value)
    if path is None:
        raise ValueError("needs the path of a Python interpreter")
    if not os.path.isabs(path):
        raise ValueError(
            f"must be an absolute interpreter path (like /opt/envs/tf/bin/python), not {path!r}"
        )
    return os.path.normpath(path)


def environment_name(value: Any) -> str:
    if not isinstance(value, str) or not ENV_NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid Python environment name: use 1 to 64 letters, digits, '_', '.' "
            "or '-', starting with a letter or digit"
        )
    return value


def queue_name(value: Any) -> str | None:
    """A Celery queue name (1 to 64 letters, digits, '_', '.' or '-'), or None for blank or null."""
    name = optional_text(value, 64)
    if name is not None and not ENV_NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a valid queue name: use 1 to 64 letters, digits, '_', '.' or '-', starting with "
            "a letter or digit"
        )
    return name


def _memory(value: Any) -> str:
    memory = optional_text(value)
    if memory is None or not MEMORY_PATTERN.fullmatch(memory):
        raise ValueError(f"must be a size like '2 GiB' or '512 MiB', not {memory!r}")
    return memory


def _mode(value: Any) -> DaskMode:
    for mode in DASK_MODES:
        if value == mode:
            return mode
    raise ValueError(f"must be one of {list(DASK_MODES)}, not {value!r}")


def _whole(low: int, high: int) -> BeforeValidator:
    """An int from `low` to `high`; text and booleans are refused (a form sends what was typed)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number from {low} to {high}, not {value!r}")
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}, not {value}")
        return value

    return BeforeValidator(rule(check))


LocalCount = Annotated[int, _whole(1, 64), Field(ge=1, le=64)]
Vcores = Annotated[int, _whole(1, 256), Field(ge=1, le=256)]
WorkerCount = Annotated[int, _whole(0, 1000), Field(ge=0, le=1000)]


def _environments(value: Any) -> Any:
    if isinstance(value, dict) and len(value) > MAX_ENVIRONMENTS:
        raise ValueError(f"at most {MAX_ENVIRONMENTS} python_environments per group")
    return {} if value is None else value


OptionalText = Annotated[str | None, BeforeValidator(rule(optional_text))]
# A request may leave any key out (the default); an answer always holds every key, and its schema says so
# (clients generated from the OpenAPI get required fields).
_RUNTIME_CONFIG = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class DaskYarnSettings(BaseModel):
    model_config = _RUNTIME_CONFIG

    environment: OptionalText = Field(
        default=None,
        description="the Python environment the YARN workers run (a conda-pack/venv archive dask-yarn ships)",
    )
    worker_vcores: Vcores = 1
    worker_memory: Annotated[str, BeforeValidator(rule(_memory))] = Field(
        default="2 GiB", description="like '2 GiB'"
    )
    n_workers: WorkerCount = 2


class DaskSettings(BaseModel):
    model_config = _RUNTIME_CONFIG

    mode: Annotated[DaskMode, BeforeValidator(rule(_mode))] = Field(
        default="local", description="'local' (a LocalCluster per task), 'scheduler' (an existing one) or 'yarn'"
    )
    scheduler_address: Annotated[str | None, BeforeValidator(rule(check_scheduler_address))] = Field(
        default=None, description="tcp://host:port or tls://host:port ('scheduler' mode)"
    )
    local_workers: LocalCount = 2
    threads_per_worker: LocalCount = 1
    yarn: DaskYarnSettings = Field(default_factory=DaskYarnSettings)

    @model_validator(mode="after")
    def _scheduler_has_an_address(self) -> DaskSettings:
        if self.mode == "scheduler" and self.scheduler_address is None:
            raise PydanticCustomError(
                "wfo_setting", "dask.mode 'scheduler' needs dask.scheduler_address (like tcp://host:8786)"
            )
        return self


class RuntimeSection(BaseModel):
    """Where Python tasks run: the Dask cluster, the named Python interpreters, the workers' queue.

    PUT takes the same shape (missing keys take the defaults); changing it needs can_edit on
    `WFO Cluster Code Settings` (Developer or Admin), because interpreter paths decide what code runs.
    """

    model_config = _RUNTIME_CONFIG

    dask: DaskSettings = Field(default_factory=DaskSettings)
    python_environments: Annotated[
        dict[
            Annotated[str, BeforeValidator(rule(environment_name))],
            Annotated[str, BeforeValidator(rule(interpreter))],
        ],
        BeforeValidator(rule(_environments)),
    ] = Field(default_factory=dict, description="name -> absolute path of a Python interpreter")
    default_python: Annotated[str | None, BeforeValidator(rule(lambda v: optional_text(v, 64)))] = Field(
        default=None,
        description="the environment TensorflowOperator tasks use when they name none (null: wfo's Python)",
    )

    queue: Annotated[str | None, BeforeValidator(rule(queue_name))] = Field(
        default=None,
        description="the Celery queue of this group's tasks when a task names none (a cluster's edge node "
        "runs a worker for it: `wfo worker --queues NAME`); null: the platform's default queue",
    )

    @field_validator("python_environments")
    @classmethod
    def _sorted(cls, value: dict[str, str]) -> dict[str, str]:
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _default_is_defined(self) -> RuntimeSection:
        if self.default_python is not None and self.default_python not in self.python_environments:
            defined = sorted(self.python_environments) or "none defined"
            raise PydanticCustomError(
                "wfo_setting",
                "default_python {name} is not one of the group's python_environments ({defined})",
                {"name": repr(self.default_python), "defined": str(defined)},
            )
        return self


# --- the Spark engine (wfo.clusters.spark_engine): kept in the same JSON, its own API ------------------

SparkEngineName = Literal["submit", "connect"]
_CONNECT_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*", re.ASCII)
_CONNECT_URL = re.compile(r"sc://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+):(?P<port>[0-9]{1,5})", re.ASCII)
MAX_CONNECT_TOKEN_CHARS = 4096


def check_connect_url(value: Any) -> str | None:
    """`sc://host:port` (a host name, an IPv4 address or a bracketed IPv6 one), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be a string like sc://spark-connect.example.com:15002 or null, not {value!r}")
    url = value.strip()
    found = _CONNECT_URL.fullmatch(url)
    if found is None:
        raise ValueError(
            f"must look like sc://host:port (for example sc://spark-connect.example.com:15002), with no path, "
            f"user or parameters (the token is given as `token`), not {url[:200]!r}"
        )
    host, port = found["host"], int(found["port"])
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"has an invalid IPv6 address {host!r}") from None
    elif len(host) > 253 or not _CONNECT_HOST.fullmatch(host):
        raise ValueError(f"has an invalid host name {host[:100]!r}")
    if not 1 <= port <= 65535:
        raise ValueError(f"has port {port}, which is not from 1 to 65535")
    return url


def _engine(value: Any) -> SparkEngineName:
    if value == "submit":
        return "submit"
    if value == "connect":
        return "connect"
    raise ValueError(f"must be 'submit' or 'connect', not {value!r}")


class SparkEngine(BaseModel):
    """How the group runs PySpark tasks (JVM `SparkOperator` jobs always use spark-submit)."""

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    engine: Annotated[SparkEngineName, BeforeValidator(rule(_engine))] = Field(
        default="submit",
        description="'submit' (spark-submit, a driver per task) or 'connect' (a Spark Connect server)",
    )
    url: Annotated[str | None, BeforeValidator(rule(check_connect_url))] = Field(
        default=None, description="null: the server wfo runs itself; else the remote server's sc://host:port"
    )


class SparkEngineUpdate(SparkEngine):
    """PUT's body: the engine and url, and optionally the remote server's token (never shown again)."""

    token: str | None = Field(
        default=None,
        max_length=MAX_CONNECT_TOKEN_CHARS,
        description="the remote server's token (sent over TLS); null keeps the stored one while the URL's "
        "host stays the same, '' removes it",
    )


def merged(stored: Any) -> dict[str, Any]:
    """A stored (possibly partial or NULL) section over the defaults, without validating it."""
    result = RuntimeSection().model_dump()
    if not isinstance(stored, dict):
        return result
    dask = stored.get("dask")
    if isinstance(dask, dict):
        yarn = dask.get("yarn")
        result["dask"].update({k: v for k, v in dask.items() if k != "yarn"})
        if isinstance(yarn, dict):
            result["dask"]["yarn"].update(yarn)
    if isinstance(stored.get("python_environments"), dict):
        result["python_environments"] = dict(stored["python_environments"])
    for key in ("default_python", "queue"):
        if key in stored:
            result[key] = stored[key]
    return result
