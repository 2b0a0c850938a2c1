"""The runtime section of a config group: where Python code runs (a Dask cluster, Python interpreters).

Stored in `ConfigGroup.runtime` as JSON; NULL (and every missing key) means the defaults below, so
groups created before this section existed, and snapshots published before it, behave like a new
group. Interpreter paths decide what code runs (DESIGN §9), so every change of this section needs
`WFO Cluster Code Settings` can_edit (Developer or Admin), not just `WFO Config Groups` can_edit.

Shape::

    {"dask": {"mode": "local" | "scheduler" | "yarn",
              "scheduler_address": "tcp://host:8786" | null,
              "local_workers": 2, "threads_per_worker": 1,
              "yarn": {"environment": str | null, "worker_vcores": 1, "worker_memory": "2 GiB",
                       "n_workers": 2}},
     "python_environments": {"<name>": "/abs/path/to/python"},
     "default_python": "<name>" | null}

This module imports nothing heavy at module level: task processes read the section from a group's
snapshot with `runtime_from_snapshot`.
"""

from __future__ import annotations

import copy
import os
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from wfo.clusters.errors import ChangeForbidden, InvalidGroupInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from wfo.db.models import ConfigGroup

DASK_MODES = ("local", "scheduler", "yarn")
SCHEDULER_SCHEMES = ("tcp://", "tls://")
ENV_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MEMORY_PATTERN = re.compile(r"\d+(\.\d+)?\s*(B|[KMGT]i?B|[KMGT])?", re.IGNORECASE | re.ASCII)
MAX_PATH_CHARS = 1024
MAX_ENVIRONMENTS = 50
LIMITS = {
    "local_workers": (1, 64),
    "threads_per_worker": (1, 64),
    "worker_vcores": (1, 256),
    "n_workers": (0, 1000),
}
DEFAULT_RUNTIME: dict[str, Any] = {
    "dask": {
        "mode": "local",
        "scheduler_address": None,
        "local_workers": 2,
        "threads_per_worker": 1,
        "yarn": {"environment": None, "worker_vcores": 1, "worker_memory": "2 GiB", "n_workers": 2},
    },
    "python_environments": {},
    "default_python": None,
}


def defaults() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_RUNTIME)


def _merged(stored: Any) -> dict[str, Any]:
    """Stored (possibly partial or NULL) section over the defaults, without validating it."""
    result = defaults()
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
    if "default_python" in stored:
        result["default_python"] = stored["default_python"]
    return result


def runtime_view(group: ConfigGroup) -> dict[str, Any]:
    """The group's runtime section with every default filled in (what the API and snapshot show)."""
    return _merged(group.runtime)


def runtime_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The runtime section of a published snapshot; snapshots published before it existed: defaults."""
    return _merged(snapshot.get("runtime"))


# --- validation ---------------------------------------------------------------------------------------


def _integer(value: Any, where: str, key: str) -> int:
    low, high = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidGroupInput(f"{where}.{key} must be a whole number from {low} to {high}, not {value!r}")
    if not low <= value <= high:
        raise InvalidGroupInput(f"{where}.{key} must be from {low} to {high}, not {value}")
    return value


def _text(value: Any, where: str, *, max_chars: int = MAX_PATH_CHARS) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidGroupInput(f"{where} must be a string or null, not {value!r}")
    text = value.strip()
    if not text:
        return None
    if len(text) > max_chars:
        raise InvalidGroupInput(f"{where} is longer than {max_chars} characters")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise InvalidGroupInput(f"{where} contains a control character")
    return text


def check_scheduler_address(value: Any) -> str | None:
    address = _text(value, "dask.scheduler_address", max_chars=256)
    if address is None:
        return None
    if not address.startswith(SCHEDULER_SCHEMES) or len(address) <= len("tcp://") or " " in address:
        raise InvalidGroupInput(
            f"dask.scheduler_address must look like tcp://host:8786 or tls://host:8786, not {address!r}"
        )
    return address


def check_interpreter(name: str, value: Any) -> str:
    path = _text(value, f"python_environments[{name!r}]")
    if path is None:
        raise InvalidGroupInput(f"python_environments[{name!r}] needs the path of a Python interpreter")
    if not os.path.isabs(path):
        raise InvalidGroupInput(
            f"python_environments[{name!r}] must be an absolute interpreter path "
            f"(like /opt/envs/tf/bin/python), not {path!r}"
        )
    return os.path.normpath(path)


def _unknown_keys(value: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(value) - known)
    if unknown:
        raise InvalidGroupInput(f"unknown setting(s) in {where}: {unknown}; known: {sorted(known)}")


def _dict(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidGroupInput(f"{where} must be an object, not {value!r}")
    return value


def validate_runtime(payload: Any) -> dict[str, Any]:
    """A complete, normalised runtime section from `payload` (missing keys take the defaults).

    Raises `InvalidGroupInput` with a message that names the setting and the accepted values.
    """
    body = _dict(payload, "the runtime section")
    _unknown_keys(body, set(DEFAULT_RUNTIME), "the runtime section")
    base = DEFAULT_RUNTIME["dask"]
    dask_in = _dict(body.get("dask"), "dask")
    _unknown_keys(dask_in, set(base), "dask")
    yarn_in = _dict(dask_in.get("yarn"), "dask.yarn")
    _unknown_keys(yarn_in, set(base["yarn"]), "dask.yarn")

    mode = dask_in.get("mode", base["mode"])
    if mode not in DASK_MODES:
        raise InvalidGroupInput(f"dask.mode must be one of {list(DASK_MODES)}, not {mode!r}")
    address = check_scheduler_address(dask_in.get("scheduler_address"))
    if mode == "scheduler" and address is None:
        raise InvalidGroupInput("dask.mode 'scheduler' needs dask.scheduler_address (like tcp://host:8786)")
    memory = _text(yarn_in.get("worker_memory", base["yarn"]["worker_memory"]), "dask.yarn.worker_memory")
    if memory is None or not MEMORY_PATTERN.fullmatch(memory):
        raise InvalidGroupInput(
            f"dask.yarn.worker_memory must be a size like '2 GiB' or '512 MiB', not {memory!r}"
        )
    yarn = {
        "environment": _text(yarn_in.get("environment"), "dask.yarn.environment"),
        "worker_vcores": _integer(
            yarn_in.get("worker_vcores", base["yarn"]["worker_vcores"]), "dask.yarn", "worker_vcores"
        ),
        "worker_memory": memory,
        "n_workers": _integer(yarn_in.get("n_workers", base["yarn"]["n_workers"]), "dask.yarn", "n_workers"),
    }
    dask = {
        "mode": mode,
        "scheduler_address": address,
        "local_workers": _integer(
            dask_in.get("local_workers", base["local_workers"]), "dask", "local_workers"
        ),
        "threads_per_worker": _integer(
            dask_in.get("threads_per_worker", base["threads_per_worker"]), "dask", "threads_per_worker"
        ),
        "yarn": yarn,
    }

    environments_in = _dict(body.get("python_environments"), "python_environments")
    if len(environments_in) > MAX_ENVIRONMENTS:
        raise InvalidGroupInput(f"at most {MAX_ENVIRONMENTS} python_environments per group")
    environments: dict[str, str] = {}
    for name, path in sorted(environments_in.items()):
        if not isinstance(name, str) or not ENV_NAME_PATTERN.fullmatch(name):
            raise InvalidGroupInput(
                f"{name!r} is not a valid Python environment name: use 1 to 64 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit"
            )
        environments[name] = check_interpreter(name, path)
    default_python = _text(body.get("default_python"), "default_python", max_chars=64)
    if default_python is not None and default_python not in environments:
        raise InvalidGroupInput(
            f"default_python {default_python!r} is not one of the group's python_environments "
            f"({sorted(environments) or 'none defined'})"
        )
    return {"dask": dask, "python_environments": environments, "default_python": default_python}


# --- changing it ------------------------------------------------------------------------------------


def update_runtime(
    session: Session,
    group: ConfigGroup,
    payload: Any,
    username: str | None,
    may: Callable[[str, str], bool],
) -> dict[str, Any]:
    """Replace the group's runtime section; returns what changed (for the audit event).

    Raises `InvalidGroupInput` (bad values) or `ChangeForbidden` (a change without
    `WFO Cluster Code Settings` can_edit). Submitting the current values unchanged is allowed to anyone
    who reached the service (an import of an unchanged group, for instance).
    """
    from wfo.auth import roles
    from wfo.clusters.groups import touch

    new = validate_runtime(payload)
    old = runtime_view(group)
    changed = _changed_paths(old, new)
    if not changed:
        return {"changed": []}
    if not may(roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT):
        raise ChangeForbidden(
            "the runtime section decides what code runs (Python interpreters, the Dask cluster): changing "
            f"it needs {roles.CAN_EDIT} on {roles.CLUSTER_CODE_SETTINGS} (Developer or Admin)"
        )
    group.runtime = new
    touch(session, group, username)
    return {"changed": changed}


def _changed_paths(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if key != "python_environments" and isinstance(before, dict) and isinstance(after, dict):
            paths += _changed_paths(before, after, f"{prefix}{key}.")
        elif before != after:
            paths.append(prefix + key)
    return paths
