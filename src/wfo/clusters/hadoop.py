"""The Hadoop section of a config group: `*-site.xml` files, only Hadoop `<configuration>` XML.

An upload is checked completely before anything is written, so a refused file leaves the group as
it was; files are stored in UTF-8 whatever encoding they came in. Property edits rewrite the file with
`render_hadoop_conf`, which always yields valid XML. Properties that name a class or a script are code
settings (`wfo.clusters.hadoop_code`): adding, changing or removing one — by upload, edit, deletion of
the file or import — needs `WFO Cluster Code Settings` can_edit; re-sending them unchanged does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from wfo.clusters import hadoop_code
from wfo.clusters.errors import GroupNotFound, InvalidGroupInput
from wfo.clusters.permissions import CODE_RIGHT, Permissions
from wfo.clusters.schemas import HadoopFileProperties, HadoopFiles, HadoopProperty, Saved, StoredFile
from wfo.clusters.stored import HADOOP, files_of, find_file, missing_hadoop_files, touch
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup, ConfigGroupFile
from wfo.storage.errors import (
    ExtensionNotAllowedError,
    InvalidHadoopConfError,
    StorageError,
    UnsafeNameError,
    UnsafeXmlError,
)
from wfo.storage.limits import check_extension
from wfo.storage.xml import (
    MAX_XML_BYTES,
    Property,
    hadoop_conf_as_utf8,
    parse_hadoop_conf,
    render_hadoop_conf,
)

MAX_HADOOP_FILE_BYTES = MAX_XML_BYTES
MAX_FILES_PER_UPLOAD = 50


def hadoop_files(group: ConfigGroup) -> list[ConfigGroupFile]:
    return files_of(group, HADOOP)


def hadoop_view(group: ConfigGroup) -> HadoopFiles:
    return HadoopFiles(
        files=[StoredFile(name=f.name, size=f.size, modified=f.modified) for f in hadoop_files(group)],
        missing=missing_hadoop_files(group),
    )


def _properties_view(name: str, properties: Sequence[Property]) -> HadoopFileProperties:
    return HadoopFileProperties(
        name=name,
        properties=[
            HadoopProperty(name=p.name, value=p.value, description=p.description, final=p.final)
            for p in properties
        ],
    )


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
        data = hadoop_conf_as_utf8(data)
    except (UnsafeXmlError, InvalidHadoopConfError) as exc:
        raise InvalidGroupInput(f"{name!r} was refused: {exc}; nothing was uploaded") from None
    return name, data


def code_properties(data: bytes | None) -> dict[str, str]:
    """The code settings of a stored or incoming file (none for a missing or unreadable one)."""
    if data is None:
        return {}
    try:
        return hadoop_code.code_properties((p.name, p.value) for p in parse_hadoop_conf(data))
    except (UnsafeXmlError, InvalidHadoopConfError):
        return {}


def code_changes(old: Mapping[str, bytes | None], new: Mapping[str, bytes | None]) -> list[str]:
    """`file: property` for each code property added, changed or removed between two sets of files
    (file name -> content; None or absent = no such file)."""
    changes = []
    for name in sorted(set(old) | set(new)):
        before, after = code_properties(old.get(name)), code_properties(new.get(name))
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                reason = hadoop_code.code_reason(key, after.get(key, before.get(key, "")))
                changes.append(f"{name}: {key} ({reason})")
    return changes


def check_code_changes(changes: list[str], permissions: Permissions, what: str) -> None:
    permissions.check_code(
        changes,
        f"{what} touches Hadoop properties that name a class, a script or a command, which decide what "
        f"code runs: {'; '.join(changes)}. Changing them needs {CODE_RIGHT}; nothing was changed",
    )


def upload_hadoop_files(
    session: Session,
    group: ConfigGroup,
    uploads: Sequence[IncomingFile],
    username: str | None,
    permissions: Permissions,
) -> Saved[HadoopFiles]:
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
    stored = {name: _content(group, name) for name in checked}
    check_code_changes(code_changes(stored, checked), permissions, "this upload")
    now = datetime.now(UTC)
    for name, data in checked.items():
        _write(group, name, data, now)
    touch(session, group, username)
    return Saved(hadoop_view(group), {"files": list(checked)})


def _content(group: ConfigGroup, name: str) -> bytes | None:
    existing = find_file(group, HADOOP, name)
    return None if existing is None else existing.content


def _write(group: ConfigGroup, name: str, data: bytes, now: datetime) -> None:
    existing = find_file(group, HADOOP, name)
    if existing is None:
        group.files.append(
            ConfigGroupFile(kind=HADOOP, name=name, content=data, size=len(data), modified=now)
        )
    else:
        existing.content, existing.size, existing.modified = data, len(data), now


def read_properties(group: ConfigGroup, name: str) -> HadoopFileProperties:
    try:
        properties = parse_hadoop_conf(hadoop_file(group, name).content)
    except StorageError as exc:
        raise InvalidGroupInput(f"{name!r} cannot be read as Hadoop XML: {exc}") from None
    return _properties_view(name, properties)


def write_properties(
    session: Session,
    group: ConfigGroup,
    name: str,
    properties: Sequence[HadoopProperty],
    username: str | None,
    permissions: Permissions,
) -> HadoopFileProperties:
    """Replace the properties of an existing file; the file is rewritten as Hadoop XML."""
    current = hadoop_file(group, name)
    wanted = [Property(p.name, p.value, p.description, p.final) for p in properties]
    try:
        data = render_hadoop_conf(wanted)
        if len(data) > MAX_HADOOP_FILE_BYTES:
            raise InvalidGroupInput(f"{name!r} would be larger than {MAX_HADOOP_FILE_BYTES} bytes")
        parsed = parse_hadoop_conf(data)
    except (InvalidHadoopConfError, UnsafeXmlError) as exc:
        raise InvalidGroupInput(f"{name!r} was not changed: {exc}") from None
    check_code_changes(code_changes({name: current.content}, {name: data}), permissions, "this edit")
    _write(group, name, data, datetime.now(UTC))
    touch(session, group, username)
    return _properties_view(name, parsed)


def delete_hadoop_file(
    session: Session, group: ConfigGroup, name: str, username: str | None, permissions: Permissions
) -> None:
    found = hadoop_file(group, name)
    check_code_changes(code_changes({name: found.content}, {}), permissions, "deleting this file")
    group.files.remove(found)
    touch(session, group, username)
