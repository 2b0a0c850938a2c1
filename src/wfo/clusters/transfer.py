"""Export and import of all config groups as one tar.gz (the manual's `GET/POST /api/configs/`).

Layout of the archive (deterministic: the same groups give the same bytes):

    configs/manifest.json                      {"format": 1, "default": "<name>", "secrets": bool}
    configs/<group>/group.json                 Spark arguments/confs, spark_home, principal, keytab, Livy,
                                               runtime (Dask cluster, Python interpreters)
    configs/<group>/hadoop/<file>.xml          the group's Hadoop XML files
    configs/<group>/kerberos/krb5.conf
    configs/<group>/kerberos/keytabs/<name>    only with secrets (Admin, include_secrets=true)

Livy passwords are in group.json only with secrets. An import validates everything first, with the
same models and rules as the API (group.json is a `GroupDocument`), then applies it in the request's transaction: groups in the archive are created
or made equal to it (files not in the archive are removed; keytabs and Livy passwords are kept when the
archive carries none), groups not in the archive are kept. A group.json without `runtime` (an export
from before that section existed) leaves the group's runtime section as it is. A dry run reports and
changes nothing. The permission rules are those of the API: an importer without `WFO Cluster Code
Settings` can_edit (an Op) is refused (403, nothing changed) when the archive adds, changes or removes a
code setting — a Spark conf off the tuning allow-list, a code argument, a Hadoop property naming a class
or a script, a krb5.conf setting off its allow-list, the runtime section; a Livy URL pointing elsewhere
needs its password in the archive.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfo.clusters import (
    groups,
    hadoop,
    kerberos_section,
    livy_section,
    runtime_section,
    secrets,
    spark_section,
)
from wfo.clusters.errors import ChangeForbidden, InvalidGroupInput
from wfo.clusters.kerberos_section import KRB5_CONF
from wfo.clusters.keytab import KeytabError, read_principals
from wfo.clusters.permissions import Permissions
from wfo.clusters.published import livy_passwords
from wfo.clusters.schemas import GroupDocument, ImportReport, SparkUpdate
from wfo.clusters.stored import (
    HADOOP,
    KEYTAB,
    KRB5,
    check_name,
    default_group,
    files_of,
    find_file,
    list_groups,
)
from wfo.clusters.validation import problems, summary
from wfo.db.models import ConfigGroup, ConfigGroupFile
from wfo.storage.archives import ArchiveLimits, extract_archive
from wfo.storage.errors import StorageError
from wfo.storage.limits import MiB
from wfo.storage.tarball import write_tar_gz
from wfo.storage.xml import hadoop_conf_as_utf8

log = logging.getLogger(__name__)
FORMAT = 1
ROOT = "configs"
IMPORT_LIMITS = ArchiveLimits(max_members=5_000, max_total_bytes=256 * MiB, max_member_bytes=16 * MiB)
ALLOWED_EXTENSIONS = (".json", ".xml", ".conf", ".keytab")


class ImportRefused(InvalidGroupInput):
    """The archive cannot be imported; nothing was changed."""


# --- export ---------------------------------------------------------------------------------------------
def _group_document(group: ConfigGroup, include_secrets: bool) -> dict[str, Any]:
    livy = {kernel: dict(settings) for kernel, settings in (group.livy or {}).items()}
    if include_secrets:
        for kernel, password in livy_passwords(group).items():
            livy.setdefault(kernel, {})["password"] = password
    return {
        "name": group.name,
        "is_default": bool(group.is_default),
        "spark_home": group.spark_home,
        "spark": {"arguments": dict(group.spark_arguments or {}), "confs": dict(group.spark_confs or {})},
        "kerberos": {"principal": group.kerberos_principal, "keytab": group.kerberos_keytab},
        "livy": livy,
        "runtime": runtime_section.runtime_view(group).model_dump(),
    }


def _exportable(group: ConfigGroup) -> bool:
    # A row whose name the API would refuse (written before names were checked whole) cannot be a folder
    # of an archive that imports again; `wfo up` renames such rows (groups.repair_group_names).
    try:
        check_name(group.name)
    except InvalidGroupInput:
        log.warning("config group %r not exported: its name is invalid; restart wfo to repair it", group.name)
        return False
    return True


def export_groups(
    session: Session, out: BinaryIO, *, include_secrets: bool, permissions: Permissions | None = None
) -> list[str]:
    """Write the tar.gz of every group to `out`; returns the group names. Keytabs and Livy passwords
    (`include_secrets`) only for a caller whose `permissions` allow it (an Admin)."""
    if include_secrets and not (permissions and permissions.can_export_secrets):
        raise ChangeForbidden("only an Admin may export keytabs and passwords (include_secrets)")
    all_groups = [g for g in list_groups(session) if _exportable(g)]
    with tempfile.TemporaryDirectory(prefix="wfo-configs-export-") as tmp:
        root = Path(tmp) / ROOT
        root.mkdir()
        default = next((g.name for g in all_groups if g.is_default), None)
        manifest = {"format": FORMAT, "default": default, "secrets": include_secrets}
        (root / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        for group in all_groups:
            folder = root / group.name
            (folder / "hadoop").mkdir(parents=True)
            (folder / "group.json").write_text(
                json.dumps(_group_document(group, include_secrets), indent=1, sort_keys=True)
            )
            for f in group.files:
                if f.kind == HADOOP:
                    (folder / "hadoop" / f.name).write_bytes(f.content)
                elif f.kind == KRB5:
                    (folder / "kerberos").mkdir(exist_ok=True)
                    (folder / "kerberos" / KRB5_CONF).write_bytes(f.content)
                elif f.kind == KEYTAB and include_secrets:
                    (folder / "kerberos" / "keytabs").mkdir(parents=True, exist_ok=True)
                    (folder / "kerberos" / "keytabs" / f.name).write_bytes(secrets.decrypt(f.content))
        write_tar_gz(Path(tmp), out)
    return [g.name for g in all_groups]


# --- import ---------------------------------------------------------------------------------------------
@dataclass
class _IncomingGroup:
    document: GroupDocument
    hadoop: dict[str, bytes]
    krb5: bytes | None
    keytabs: dict[str, bytes]


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ImportRefused(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImportRefused(f"{what} must hold a JSON object")
    return value


def _read_group(folder: Path) -> _IncomingGroup:
    name = folder.name
    if not (folder / "group.json").is_file():
        raise ImportRefused(f"group folder {name!r} has no group.json")
    try:
        document = GroupDocument.model_validate(_read_json(folder / "group.json", f"{name}/group.json"))
    except ValidationError as exc:
        raise ImportRefused(f"{name}/group.json: {summary(problems(exc, GroupDocument))}") from None
    if document.name not in (None, name):
        raise ImportRefused(f"{name}/group.json names the group {document.name!r}, not {name!r}")
    hadoop: dict[str, bytes] = {}
    for xml in sorted((folder / "hadoop").glob("*")) if (folder / "hadoop").is_dir() else []:
        try:
            data = hadoop_conf_as_utf8(xml.read_bytes())
        except StorageError as exc:
            raise ImportRefused(f"{name}/hadoop/{xml.name}: {exc}") from None
        hadoop[xml.name] = data
    krb5_path = folder / "kerberos" / KRB5_CONF
    krb5 = None
    if krb5_path.is_file():
        try:
            krb5 = kerberos_section.check_krb5_conf(krb5_path.read_bytes(), "nothing was imported")
        except InvalidGroupInput as exc:
            raise ImportRefused(f"{name}/kerberos/{exc}") from None
    keytabs: dict[str, bytes] = {}
    keytab_dir = folder / "kerberos" / "keytabs"
    for path in sorted(keytab_dir.glob("*")) if keytab_dir.is_dir() else []:
        try:
            read_principals(path.read_bytes())
        except KeytabError as exc:
            raise ImportRefused(f"{name}/kerberos/keytabs/{path.name} is not a keytab: {exc}") from None
        keytabs[path.name] = path.read_bytes()
    return _IncomingGroup(document, hadoop, krb5, keytabs)


def read_archive(archive: BinaryIO, work: Path) -> tuple[dict[str, Any], dict[str, _IncomingGroup]]:
    """Extract (safely) and parse an export; `ImportRefused` says what is wrong."""
    try:
        extract_archive(archive, work, limits=IMPORT_LIMITS, allowed_extensions=ALLOWED_EXTENSIONS)
    except StorageError as exc:
        raise ImportRefused(f"the archive was refused: {exc}") from None
    root = work / ROOT
    if not (root / "manifest.json").is_file():
        raise ImportRefused(f"not a wfo configs export: {ROOT}/manifest.json is missing")
    manifest = _read_json(root / "manifest.json", "manifest.json")
    if manifest.get("format") != FORMAT:
        raise ImportRefused(f"unsupported export format {manifest.get('format')!r} (this wfo reads {FORMAT})")
    incoming = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            check_name(folder.name)
        except InvalidGroupInput as exc:
            raise ImportRefused(str(exc)) from None
        incoming[folder.name] = _read_group(folder)
    if not incoming:
        raise ImportRefused("the archive holds no config group")
    default = manifest.get("default")
    if default is not None and default not in incoming:
        raise ImportRefused(
            f"manifest.json names {default!r} as the default, but the archive has no such group"
        )
    return manifest, incoming


def _replace_files(group: ConfigGroup, incoming: _IncomingGroup) -> None:
    """Make the group's files those of the archive; its keytabs are kept when the archive has none."""
    wanted: dict[tuple[str, str], bytes] = {(HADOOP, n): d for n, d in incoming.hadoop.items()}
    if incoming.krb5 is not None:
        wanted[(KRB5, KRB5_CONF)] = incoming.krb5
    wanted.update({(KEYTAB, n): d for n, d in incoming.keytabs.items()})
    for f in list(group.files):
        if (f.kind, f.name) not in wanted and not (f.kind == KEYTAB and not incoming.keytabs):
            group.files.remove(f)
    now = datetime.now(UTC)
    for (kind, file_name), data in wanted.items():
        existing = find_file(group, kind, file_name)
        current = (
            (secrets.decrypt(existing.content) if kind == KEYTAB else existing.content) if existing else None
        )
        if current == data:
            continue
        stored = secrets.encrypt(data) if kind == KEYTAB else data
        if existing is None:
            group.files.append(
                ConfigGroupFile(kind=kind, name=file_name, content=stored, size=len(data), modified=now)
            )
        else:
            existing.content, existing.size, existing.modified = stored, len(data), now


def _apply(
    session: Session,
    group: ConfigGroup,
    incoming: _IncomingGroup,
    dependencies: list[str],
    permissions: Permissions,
    username: str | None,
) -> bool:
    """Make `group` equal to `incoming` through the same section services (and checks) as the API;
    True when anything changed. Files come first, so the selected keytab is checked against them."""
    doc = incoming.document
    before = _fingerprint(group)
    what = f"importing group {group.name!r}"
    stored = {f.name: f.content for f in files_of(group, HADOOP)}
    hadoop.check_code_changes(hadoop.code_changes(stored, dict(incoming.hadoop)), permissions, what)
    krb5 = find_file(group, KRB5, KRB5_CONF)
    kerberos_section.check_krb5_change(krb5.content if krb5 else None, incoming.krb5, permissions, what)
    _replace_files(group, incoming)
    spark = SparkUpdate(arguments=doc.spark.arguments, confs=doc.spark.confs, spark_home=doc.spark_home)
    try:
        spark_section.update_spark(session, group, spark, username, permissions, dependencies)
        kerberos_section.set_kerberos(session, group, doc.kerberos, username)
        livy_section.update_livy(session, group, doc.livy, username)
        if doc.runtime is not None:
            runtime_section.update_runtime(session, group, doc.runtime, username, permissions)
    except ChangeForbidden as exc:
        raise ChangeForbidden(f"group {group.name!r}: {exc}") from None
    except InvalidGroupInput as exc:
        raise ImportRefused(f"group {group.name!r}: {exc}") from None
    return _fingerprint(group) != before


def _fingerprint(group: ConfigGroup) -> str:
    files = sorted((f.kind, f.name, f.size, f.content if f.kind != KEYTAB else b"") for f in group.files)
    state = [
        group.spark_arguments,
        group.spark_confs,
        group.spark_home,
        group.kerberos_principal,
        group.kerberos_keytab,
        group.livy,
        group.livy_secrets is not None,
        runtime_section.runtime_view(group).model_dump(),
        [repr(x) for x in files],
    ]
    return json.dumps(state, sort_keys=True, default=str)


def import_groups(
    session: Session,
    archive: BinaryIO,
    *,
    dry_run: bool,
    username: str | None,
    permissions: Permissions,
    dependencies: list[str] | None = None,
) -> ImportReport:
    """Import an export; all of it or (on any refusal) nothing. A dry run rolls everything back.

    `dependencies`: the names in the Spark dependencies repository (looked up when None)."""
    report = ImportReport(dry_run=dry_run)
    names = spark_section.dependency_names() if dependencies is None else dependencies
    with tempfile.TemporaryDirectory(prefix="wfo-configs-import-") as tmp:
        manifest, incoming = read_archive(archive, Path(tmp) / "x")
    savepoint = session.begin_nested()
    try:
        for name, group_in in incoming.items():
            existing = session.scalar(select(ConfigGroup).where(func.lower(ConfigGroup.name) == name.lower()))
            if existing is None:
                group = groups.create_group(session, name, username)
                _apply(session, group, group_in, names, permissions, username)
                report.created.append(name)
            elif _apply(session, existing, group_in, names, permissions, username):
                report.updated.append(existing.name)
            else:
                report.unchanged.append(existing.name)
        default = manifest.get("default")
        if default is not None:
            current = default_group(session)
            if current is None or current.name.lower() != str(default).lower():
                groups.set_default(session, str(default), username)
            report.default = str(default)
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
        session.expire_all()
    else:
        savepoint.commit()
    return report


def export_bytes(session: Session, *, include_secrets: bool) -> bytes:
    buffer = io.BytesIO()
    export_groups(session, buffer, include_secrets=include_secrets)
    return buffer.getvalue()
