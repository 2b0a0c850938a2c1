"""The configs archive (the manual's `GET/POST /api/configs/`): the export, and reading an import.

Layout of the archive (deterministic: the same groups give the same bytes):

    configs/manifest.json                      {"format": 1, "default": "<name>", "secrets": bool}
    configs/<group>/group.json                 Spark arguments/confs, spark_home, principal, keytab, Livy,
                                               runtime (Dask cluster, Python interpreters), Spark engine
    configs/<group>/hadoop/<file>.xml          the group's Hadoop XML files
    configs/<group>/kerberos/krb5.conf
    configs/<group>/kerberos/keytabs/<name>    only with secrets (Admin, include_secrets=true)

Livy passwords and the Spark Connect token are in group.json only with secrets. `read_archive` checks each
group with the same models and rules as the API (group.json is a `GroupDocument`);
`wfo.clusters.transfer_import` applies it.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy.orm import Session

from wfo.clusters import kerberos_section, runtime_section, secrets
from wfo.clusters.errors import ChangeForbidden, InvalidGroupInput
from wfo.clusters.kerberos_section import KRB5_CONF
from wfo.clusters.keytab import KeytabError, read_principals
from wfo.clusters.permissions import Permissions
from wfo.clusters.published import livy_passwords, published_engine
from wfo.clusters.schemas import (
    GroupDocument,
    ImportRejection,
    ImportReport,
)
from wfo.clusters.spark_engine import engine_view
from wfo.clusters.stored import (
    HADOOP,
    KEYTAB,
    KRB5,
    check_name,
    list_groups,
)
from wfo.clusters.validation import problems, summary
from wfo.db.models import ConfigGroup
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
    """The archive (or a group of it) cannot be imported; nothing was changed.

    With `report` when groups were refused: the answer carries it next to `detail`."""

    def __init__(self, message: str, report: ImportReport | None = None) -> None:
        super().__init__(message, extra=report.model_dump(mode="json") if report is not None else None)
        self.report = report


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
        "spark_engine": published_engine(group) if include_secrets else engine_view(group).model_dump(),
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
class IncomingGroup:
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


def _read_group(folder: Path) -> IncomingGroup:
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
    return IncomingGroup(document, hadoop, krb5, keytabs)


def read_archive(
    archive: BinaryIO, work: Path
) -> tuple[dict[str, Any], dict[str, IncomingGroup], list[ImportRejection]]:
    """Extract (safely) and parse an export: `(manifest, groups, refused groups)`.

    `ImportRefused` when the archive as a whole is unusable (unsafe, damaged, not an export).
    """
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
    incoming: dict[str, IncomingGroup] = {}
    rejected: list[ImportRejection] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            check_name(folder.name)
            incoming[folder.name] = _read_group(folder)
        except InvalidGroupInput as exc:
            rejected.append(ImportRejection(name=folder.name, reason=str(exc)))
    if not incoming and not rejected:
        raise ImportRefused("the archive holds no config group")
    default = manifest.get("default")
    if default is not None and default not in incoming and default not in {r.name for r in rejected}:
        raise ImportRefused(
            f"manifest.json names {default!r} as the default, but the archive has no such group"
        )
    return manifest, incoming, rejected


def export_bytes(session: Session, *, include_secrets: bool) -> bytes:
    buffer = io.BytesIO()
    export_groups(session, buffer, include_secrets=include_secrets)
    return buffer.getvalue()
