"""The Spark section of a config group: spark-submit arguments, `--conf` pairs and the Spark home.

Which permission a change needs depends on what it touches (DESIGN §5, §9): tuning settings (the
arguments the table marks as such, confs on the allow-list of `spark_tuning`) need `WFO Config Groups`
can_edit; everything else decides what code runs and needs `WFO Cluster Code Settings` can_edit.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any

from sqlalchemy.orm import Session

from wfo.clusters import spark_args
from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.permissions import CLUSTER_RIGHT, CODE_RIGHT, Permissions
from wfo.clusters.schemas import KnownArgument, Saved, SparkSection, SparkUpdate, TuningConf
from wfo.clusters.spark_tuning import TUNING_CONFS
from wfo.clusters.stored import KEYTAB, files_of, touch
from wfo.db.models import ConfigGroup

DEPENDENCIES_PREFIX = "spark-dependencies"
JAR_SUFFIXES = (".jar",)
PY_FILE_SUFFIXES = (".py", ".zip", ".egg")
MAX_SPARK_HOME_CHARS = 1024
_KNOWN_ARGUMENTS = [KnownArgument.model_validate(dict(entry)) for entry in spark_args.KNOWN_ARGUMENTS]
_TUNING_CONFS = [
    TuningConf(key=r.key, kind=r.kind, pattern=r.pattern, expected=r.expected, description=r.description)
    for r in TUNING_CONFS
]


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


def spark_view(group: ConfigGroup, dependencies: list[str] | None = None) -> SparkSection:
    """The section with what the UI offers: dependencies and keytabs to choose, the argument table and
    the allow-list of tuning confs. `dependencies`: the repository's names (looked up when None)."""
    names = dependency_names() if dependencies is None else dependencies
    return SparkSection(
        arguments=dict(group.spark_arguments or {}),
        confs=dict(group.spark_confs or {}),
        spark_home=group.spark_home,
        choices={
            "jars": [name for name in names if name.lower().endswith(JAR_SUFFIXES)],
            "py-files": [name for name in names if name.lower().endswith(PY_FILE_SUFFIXES)],
            "keytab": [f.name for f in files_of(group, KEYTAB)],
        },
        known_arguments=_KNOWN_ARGUMENTS,
        tuning_confs=_TUNING_CONFS,
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
    update: SparkUpdate,
    username: str | None,
    permissions: Permissions,
    dependencies: list[str] | None = None,
) -> Saved[SparkSection]:
    """Replace the group's Spark settings; `changes` says what changed (for the audit event).

    Raises `SparkSettingsError` (invalid values), `InvalidGroupInput` (spark_home) or
    `ChangeForbidden` when the change touches settings the caller may not edit.
    """
    names = dependency_names() if dependencies is None else dependencies
    new_args, new_confs = spark_args.validate_spark_settings(
        dict(update.arguments),
        dict(update.confs),
        dependencies=set(names),
        keytabs={f.name for f in files_of(group, KEYTAB)},
    )
    new_home = check_spark_home(update.spark_home)
    old_args, old_confs = dict(group.spark_arguments or {}), dict(group.spark_confs or {})
    code_changes = spark_args.code_changes(old_args, old_confs, new_args, new_confs)
    if new_home != group.spark_home:
        code_changes.insert(0, "spark_home")
    other_changed = spark_args.non_code_settings_changed(old_args, old_confs, new_args, new_confs)
    check_allowed(code_changes, other_changed, permissions)
    changed = _changed_keys(old_args, new_args) + _changed_keys(old_confs, new_confs)
    if new_home != group.spark_home:
        changed.append("spark_home")
    group.spark_arguments, group.spark_confs, group.spark_home = new_args, new_confs, new_home
    touch(session, group, username)
    return Saved(
        spark_view(group, names), {"changed": changed, "code_settings_changed": bool(code_changes)}
    )


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


def check_allowed(code_changes: list[str], other_changed: bool, permissions: Permissions) -> None:
    """Refuse a change whose code settings (`code_changes`, described) or tuning settings the caller
    may not edit."""
    permissions.check_code(
        code_changes,
        f"this change touches settings that decide what code runs: {'; '.join(code_changes)}; they need "
        f"{CODE_RIGHT}. Without it, only the tuning settings listed on the Spark tab (memory, cores, "
        "executors, dynamic allocation, shuffle, timeouts, queue ...) may be changed",
    )
    permissions.check_cluster(
        other_changed,
        f"this change touches cluster settings (master, memory, queue ...): it needs {CLUSTER_RIGHT}",
    )
    permissions.check_any("you may not edit the Spark settings of config groups")
