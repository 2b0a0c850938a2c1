"""Stored config groups: names, lookups, files by kind, and `touch`, which every change ends with.

`touch` stamps the group and publishes it (and the index of groups) to Airflow connections in the
same transaction, so the tables and what workers read never disagree. The section services build on
this module; `wfo.clusters.groups` (create, clone, rename ...) builds on them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wfo.clusters import published
from wfo.clusters.errors import GroupConflict, GroupNotFound, InvalidGroupInput
from wfo.db.models import ConfigGroup, ConfigGroupFile

# Matched whole (`fullmatch`): with `match` and `$`, a name ending in a line break would pass.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
HADOOP, KRB5, KEYTAB = "hadoop", "krb5", "keytab"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise InvalidGroupInput(
            f"{name!r} is not a valid group name: use 1 to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def list_groups(session: Session) -> list[ConfigGroup]:
    return list(session.scalars(select(ConfigGroup).order_by(ConfigGroup.name)).all())


def get_group(session: Session, name: str) -> ConfigGroup:
    group = session.scalar(select(ConfigGroup).where(ConfigGroup.name == name))
    if group is None:
        raise GroupNotFound(f"there is no config group named {name!r}")
    return group


def default_group(session: Session) -> ConfigGroup | None:
    return session.scalar(select(ConfigGroup).where(ConfigGroup.is_default.is_(True)))


def files_of(group: ConfigGroup, kind: str) -> list[ConfigGroupFile]:
    return sorted((f for f in group.files if f.kind == kind), key=lambda f: f.name)


def find_file(group: ConfigGroup, kind: str, name: str) -> ConfigGroupFile | None:
    return next((f for f in group.files if f.kind == kind and f.name == name), None)


def missing_hadoop_files(group: ConfigGroup) -> list[str]:
    present = {f.name for f in files_of(group, HADOOP)}
    return [name for name in published.REQUIRED_HADOOP_FILES if name not in present]


def touch(session: Session, group: ConfigGroup, username: str | None) -> None:
    """Stamp `group` as changed by `username` and publish it; call after every change."""
    group.updated_at = datetime.now(UTC)
    group.updated_by = username
    name = group.name  # after a failed flush the session can no longer load it
    try:
        session.flush()
    except IntegrityError:
        # Only a concurrent request can get past the checks above to a unique index.
        raise GroupConflict(
            f"config group {name!r} was changed by another request at the same time; try again"
        ) from None
    published.publish_group(session, group)
    published.publish_index(session)
