"""The Spark section of a config group: spark-submit arguments, `--conf` pairs and the Spark home.

Which permission a change needs depends on what it touches (DESIGN §5, §9): tuning settings (the
arguments the table marks as such, confs on the allow-list of `spark_tuning`) need `WFO Config Groups`
can_edit; everything else decides what code runs and needs `WFO Cluster Code Settings` can_edit.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from wfo.auth import roles
from wfo.clusters import spark_args
from wfo.clusters.errors import ChangeForbidden, InvalidGroupInput
from wfo.clusters.groups import KEYTAB, files_of, touch
from wfo.db.models import ConfigGroup

# (resource, action) -> does the caller hold it?
PermissionCheck = Callable[[str, str], bool]

DEPENDENCIES_PREFIX = "spark-dependencies"
JAR_SUFFIXES = (".jar",)
PY_FILE_SUFFIXES = (".py", ".zip", ".egg")
MAX_SPARK_HOME_CHARS = 1024


@dataclass(frozen=True)
class SparkChoices:
    jars: list[str]
    py_files: list[str]
    keytabs: list[str]


def dependency_names() -> list[str]:
    """File names in the Spark dependencies repository (object store, `spark-dependencies/<name>`)."""
    from wfo.storage.objectstore import ObjectStore

    prefix = DEPENDENCIES_PREFIX + "/"
    infos = ObjectStore.from_settings().list(DEPENDENCIES_PREFIX)
    return sorted(
        info.key[len(prefix) :]
        for info in infos
        if info.key.startswith(prefix) and "/" not in info.key[len(prefix) :]
    )


def choices(group: ConfigGroup, dependencies: list[str]) -> SparkChoices:
    return SparkChoices(
        jars=[name for name in dependencies if name.lower().endswith(JAR_SUFFIXES)],
        py_files=[name for name in dependencies if name.lower().endswith(PY_FILE_SUFFIXES)],
        keytabs=[f.name for f in files_of(group, KEYTAB)],
    )


def check_spark_home(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    path = value.strip()
    if len(path) > MAX_SPARK_HOME_CHARS:
        raise InvalidGroupInput(f"spark_home is longer than {MAX_SPARK_HOME_CHARS} characters")
    if any(unicodedata.category(char) == "Cc" for char in path):
        raise InvalidGroupInput("spark_home contains a control character")
    if not os.path.isabs(path):
        raise InvalidGroupInput(f"spark_home must be an absolute path (like /opt/spark-3.5), not {path!r}")
    return path


def update_spark(
    session: Session,
    group: ConfigGroup,
    arguments: dict[str, Any],
    confs: dict[str, Any],
    spark_home: str | None,
    username: str | None,
    may: PermissionCheck,
    dependencies: list[str],
) -> dict[str, Any]:
    """Replace the group's Spark settings; returns what changed (for the audit event).

    Raises `SparkSettingsError` (invalid values), `InvalidGroupInput` (spark_home) or
    `ChangeForbidden` when the change touches settings the caller may not edit.
    """
    new_args, new_confs = spark_args.validate_spark_settings(
        arguments,
        confs,
        dependencies=set(dependencies),
        keytabs={f.name for f in files_of(group, KEYTAB)},
    )
    new_home = check_spark_home(spark_home)
    old_args, old_confs = dict(group.spark_arguments or {}), dict(group.spark_confs or {})
    code_changes = spark_args.code_changes(old_args, old_confs, new_args, new_confs)
    if new_home != group.spark_home:
        code_changes.insert(0, "spark_home")
    other_changed = spark_args.non_code_settings_changed(old_args, old_confs, new_args, new_confs)
    check_allowed(code_changes, other_changed, may)
    changed = _changed_keys(old_args, new_args) + _changed_keys(old_confs, new_confs)
    if new_home != group.spark_home:
        changed.append("spark_home")
    group.spark_arguments, group.spark_confs, group.spark_home = new_args, new_confs, new_home
    touch(session, group, username)
    return {"changed": changed, "code_settings_changed": bool(code_changes)}


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


def check_allowed(code_changes: list[str], other_changed: bool, may: PermissionCheck) -> None:
    """Refuse a change whose code settings (`code_changes`, described) or tuning settings the caller
    may not edit."""
    can_code = may(roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT)
    can_other = may(roles.CONFIG_GROUPS, roles.CAN_EDIT)
    if code_changes and not can_code:
        raise ChangeForbidden(
            f"this change touches settings that decide what code runs: {'; '.join(code_changes)}; they need "
            f"{roles.CAN_EDIT} on {roles.CLUSTER_CODE_SETTINGS} (Developer or Admin). Without it, only the "
            "tuning settings listed on the Spark tab (memory, cores, executors, dynamic allocation, shuffle, "
            "timeouts, queue ...) may be changed"
        )
    if other_changed and not can_other:
        raise ChangeForbidden(
            f"this change touches cluster settings (master, memory, queue ...): it needs {roles.CAN_EDIT} "
            f"on {roles.CONFIG_GROUPS} (Op or Admin)"
        )
    if not code_changes and not other_changed and not (can_code or can_other):
        raise ChangeForbidden("you may not edit the Spark settings of config groups")
