"""Config groups themselves: create / clone / rename / delete, the one default, the first group, and
the group as the API shows it (summary, detail).

Every change ends in `stored.touch`, which stamps the group and publishes it (and the index of groups)
to Airflow connections in the same transaction, so the tables and what workers read never disagree.
"""

from __future__ import annotations

import copy
import logging
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wfo.clusters import published
from wfo.clusters.errors import GroupConflict, InvalidGroupInput
from wfo.clusters.hadoop import hadoop_files, hadoop_view
from wfo.clusters.kerberos_section import kerberos_view
from wfo.clusters.livy_section import livy_view
from wfo.clusters.schemas import GroupDetail, GroupList, GroupSummary, SparkSettings
from wfo.clusters.stored import check_name, get_group, list_groups, missing_hadoop_files, touch
from wfo.db.models import ConfigGroup, ConfigGroupFile

log = logging.getLogger(__name__)
DEFAULT_GROUP_NAME = "default"
# A new group runs Spark locally until someone points it at a cluster.
INITIAL_SPARK_ARGUMENTS = {"master": "local[*]"}


def summary(group: ConfigGroup) -> GroupSummary:
    master = (group.spark_arguments or {}).get("master")
    return GroupSummary(
        name=group.name,
        is_default=group.is_default,
        spark_master=str(master) if master else None,
        hadoop_files=len(hadoop_files(group)),
        missing_hadoop_files=missing_hadoop_files(group),
        kerberos=bool(group.kerberos_principal or group.kerberos_keytab),
        updated_at=group.updated_at,
        updated_by=group.updated_by,
    )


def group_list(session: Session) -> GroupList:
    return GroupList(groups=[summary(g) for g in list_groups(session)])


def detail(group: ConfigGroup) -> GroupDetail:
    return GroupDetail(
        name=group.name,
        is_default=group.is_default,
        spark_home=group.spark_home,
        updated_at=group.updated_at,
        updated_by=group.updated_by,
        spark=SparkSettings(arguments=dict(group.spark_arguments or {}), confs=dict(group.spark_confs or {})),
        hadoop=hadoop_view(group),
        kerberos=kerberos_view(group),
        livy=livy_view(group),
    )


def _check_name_free(session: Session, name: str) -> None:
    # Case-insensitive: MySQL's unique index is, and "Prod" next to "prod" only confuses people.
    taken = session.scalar(select(ConfigGroup.name).where(func.lower(ConfigGroup.name) == name.lower()))
    if taken is not None:
        raise GroupConflict(f"a config group named {taken!r} already exists")


def create_group(session: Session, name: str, username: str | None) -> ConfigGroup:
    check_name(name)
    _check_name_free(session, name)
    is_first = session.scalar(select(func.count()).select_from(ConfigGroup)) == 0
    group = ConfigGroup(
        name=name,
        is_default=is_first,
        spark_arguments=dict(INITIAL_SPARK_ARGUMENTS),
        spark_confs={},
        livy={},
    )
    session.add(group)
    touch(session, group, username)
    return group


def clone_group(session: Session, source_name: str, new_name: str, username: str | None) -> ConfigGroup:
    """A copy of a group under a new name: settings, files, keytabs and secrets; never the default.

    Anyone who may create groups may clone: the copy's code settings are the source's, as approved by
    whoever could change them there, and changing them on the copy needs the same rights as anywhere.
    The Livy passwords travel with their URLs; pointing the copy's URL elsewhere drops them.
    """
    source = get_group(session, source_name)
    check_name(new_name)
    _check_name_free(session, new_name)
    clone = ConfigGroup(
        name=new_name,
        is_default=False,
        spark_home=source.spark_home,
        spark_arguments=copy.deepcopy(source.spark_arguments),
        spark_confs=copy.deepcopy(source.spark_confs),
        kerberos_principal=source.kerberos_principal,
        kerberos_keytab=source.kerberos_keytab,
        livy=copy.deepcopy(source.livy),
        livy_secrets=source.livy_secrets,
        runtime=copy.deepcopy(source.runtime),
    )
    now = datetime.now(UTC)
    clone.files = [
        ConfigGroupFile(kind=f.kind, name=f.name, content=f.content, size=f.size, modified=now)
        for f in source.files
    ]
    session.add(clone)
    touch(session, clone, username)
    return clone


def rename_group(session: Session, name: str, new_name: str, username: str | None) -> ConfigGroup:
    group = get_group(session, name)
    check_name(new_name)
    if new_name == name:
        return group
    if new_name.lower() != name.lower():
        _check_name_free(session, new_name)
    group.name = new_name
    published.unpublish_group(session, name)
    touch(session, group, username)
    return group


def set_default(session: Session, name: str, username: str | None) -> ConfigGroup:
    """Make `name` the only default group (one statement, so there is never a moment with two)."""
    group = get_group(session, name)
    session.execute(
        update(ConfigGroup)
        .values(is_default=ConfigGroup.id == group.id)
        .execution_options(synchronize_session="fetch")
    )
    session.refresh(group)
    touch(session, group, username)
    return group


def delete_group(session: Session, name: str) -> None:
    group = get_group(session, name)
    if group.is_default:
        raise GroupConflict(
            f"{name!r} is the default config group and cannot be deleted; make another group the "
            "default first"
        )
    if (session.scalar(select(func.count()).select_from(ConfigGroup)) or 0) <= 1:
        raise GroupConflict(f"{name!r} is the last config group and cannot be deleted")
    session.delete(group)
    session.flush()
    published.unpublish_group(session, name)
    published.publish_index(session)


def _repaired_name(group: ConfigGroup, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", group.name).strip("-._")[:40] or "group"
    name, attempt = f"{stem}-repaired-{group.id}", 1
    while name.lower() in taken:
        attempt += 1
        name = f"{stem}-repaired-{group.id}-{attempt}"
    return name


def repair_group_names(session: Session) -> dict[str, str]:
    """Rename groups whose names the API refuses (rows from before names were checked whole, like
    "prod\n"): unreachable by URL and not exportable. Returns {old name: new name}."""
    renamed: dict[str, str] = {}
    all_groups = list_groups(session)
    taken = {g.name.lower() for g in all_groups}
    for group in all_groups:
        try:
            check_name(group.name)
        except InvalidGroupInput:
            old, group.name = group.name, _repaired_name(group, taken)
            taken.add(group.name.lower())
            published.unpublish_group(session, old)
            session.flush()
            renamed[old] = group.name
            log.warning("config group %r had an invalid name and was renamed to %r", old, group.name)
    return renamed


def ensure_default_group(session: Session) -> dict[str, Any]:
    """First start: create the group `default` (Spark master `local[*]`); repair a missing default and
    invalid names (`repair_group_names`).

    Idempotent. Also republishes every group, so connections deleted or edited by hand come back.
    Returns `{"created": bool, "not_published": {group: reason}, "renamed": {old: new}}`.
    """
    renamed = repair_group_names(session)
    groups = list_groups(session)
    created = False
    if not groups:
        create_group(session, DEFAULT_GROUP_NAME, None)
        created = True
    elif not any(g.is_default for g in groups):
        groups[0].is_default = True
        session.flush()
    return {"created": created, "not_published": published.publish_all(session), "renamed": renamed}
