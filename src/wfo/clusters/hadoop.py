"""The Hadoop section of a config group: `*-site.xml` files, only Hadoop `<configuration>` XML.

An upload is checked completely before anything is written, so a refused file leaves the group as
it was. Property edits rewrite the file with `render_hadoop_conf`, which always yields valid XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from wfo.clusters.errors import GroupNotFound, InvalidGroupInput
from wfo.clusters.groups import HADOOP, files_of, find_file, touch
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup, ConfigGroupFile
from wfo.storage.errors import (
    ExtensionNotAllowedError,
    InvalidHadoopConfError,
    UnsafeNameError,
    UnsafeXmlError,
)
from wfo.storage.limits import check_extension
from wfo.storage.xml import MAX_XML_BYTES, Property, parse_hadoop_conf, render_hadoop_conf

MAX_HADOOP_FILE_BYTES = MAX_XML_BYTES
MAX_FILES_PER_UPLOAD = 50


def hadoop_files(group: ConfigGroup) -> list[ConfigGroupFile]:
    return files_of(group, HADOOP)


def hadoop_file(group: ConfigGroup, name: str) -> ConfigGroupFile:
    found = find_file(group, HADOOP, name)
    if found is None:
        raise GroupNotFound(f"config group {group.name!r} has no Hadoop file named {name!r}")
    return found


def _checked_upload(upload: IncomingFile) -> tuple[str, bytes]:
    try:
        name, data = upload.read(MAX_HADOOP_FILE_BYTES)
        check_extension(name, [".xml"])
    except (UnsafeNameError, ExtensionNotAllowedError) as exc:
        raise InvalidGroupInput(f"{exc}; nothing was uploaded") from None
    try:
        parse_hadoop_conf(data)
    except (UnsafeXmlError, InvalidHadoopConfError) as exc:
        raise InvalidGroupInput(f"{name!r} was refused: {exc}; nothing was uploaded") from None
    return name, data


def upload_hadoop_files(
    session: Session, group: ConfigGroup, uploads: Sequence[IncomingFile], username: str | None
) -> list[str]:
    """Add or replace Hadoop XML files; all of them or (on any refusal) none."""
    if not uploads:
        raise InvalidGroupInput("no files were given; upload one or more *.xml files")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise InvalidGroupInput(f"at most {MAX_FILES_PER_UPLOAD} files per upload")
    checked: dict[str, bytes] = {}
    for upload in uploads:
        name, data = _checked_upload(upload)
        if name in checked:
            raise InvalidGroupInput(f"{name!r} is given twice in one upload; nothing was uploaded")
        checked[name] = data
    now = datetime.now(UTC)
    for name, data in checked.items():
        _write(group, name, data, now)
    touch(session, group, username)
    return list(checked)


def _write(group: ConfigGroup, name: str, data: bytes, now: datetime) -> None:
    existing = find_file(group, HADOOP, name)
    if existing is None:
        group.files.append(
            ConfigGroupFile(kind=HADOOP, name=name, content=data, size=len(data), modified=now)
        )
    else:
        existing.content, existing.size, existing.modified = data, len(data), now


def read_properties(group: ConfigGroup, name: str) -> list[Property]:
    return parse_hadoop_conf(hadoop_file(group, name).content)


def write_properties(
    session: Session, group: ConfigGroup, name: str, properties: Sequence[Property], username: str | None
) -> list[Property]:
    """Replace the properties of an existing file; the file is rewritten as Hadoop XML."""
    hadoop_file(group, name)
    try:
        data = render_hadoop_conf(properties)
        if len(data) > MAX_HADOOP_FILE_BYTES:
            raise InvalidGroupInput(f"{name!r} would be larger than {MAX_HADOOP_FILE_BYTES} bytes")
        parsed = parse_hadoop_conf(data)
    except (InvalidHadoopConfError, UnsafeXmlError) as exc:
        raise InvalidGroupInput(f"{name!r} was not changed: {exc}") from None
    _write(group, name, data, datetime.now(UTC))
    touch(session, group, username)
    return parsed


def delete_hadoop_file(session: Session, group: ConfigGroup, name: str, username: str | None) -> None:
    group.files.remove(hadoop_file(group, name))
    touch(session, group, username)
