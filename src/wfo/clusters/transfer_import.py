"""Importing a configs archive (`POST /api/configs/`): all of it or nothing, with a report per group.

Groups in the archive are created or made equal to it (files not in the archive are removed; keytabs
and Livy passwords are kept when the archive carries none); groups not in the archive are kept. A
group.json without `runtime` (an export from before that section existed) leaves the group's runtime
section as it is. Each group is applied through the same section services (and checks) as the API, in
its own savepoint: a group that ends up equal to what it was is rolled back, so an import of identical
content stamps nothing ("Last changed" stays) and publishes nothing. A refused group refuses the whole
import (`ImportRefused` with the report); a dry run answers the same and rolls everything back.

The permission rules are those of the API: an importer without `WFO Cluster Code Settings` can_edit (an
Op) is refused (403, nothing changed) when the archive adds, changes or removes a code setting — a Spark
conf off the tuning allow-list, a code argument, a Hadoop property naming a class or a script, a
krb5.conf setting off its allow-list, the runtime section; a Livy URL pointing elsewhere needs its
password in the archive.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wfo.clusters import (
    groups,
    hadoop,
    kerberos_section,
    livy,
    livy_section,
    runtime_section,
    secrets,
    spark_engine,
    spark_section,
)
from wfo.clusters.errors import ChangeForbidden, InvalidGroupInput
from wfo.clusters.kerberos_section import KRB5_CONF
from wfo.clusters.permissions import Permissions
from wfo.clusters.published import livy_endpoint, livy_passwords, published_engine
from wfo.clusters.schemas import ImportHeldBack, ImportRejection, ImportReport, SparkUpdate
from wfo.clusters.stored import HADOOP, KEYTAB, KRB5, default_group, files_of, find_file
from wfo.clusters.transfer import ImportRefused, IncomingGroup, read_archive
from wfo.db.models import ConfigGroup, ConfigGroupFile

Outcome = Literal["created", "updated", "unchanged"]


def _replace_files(group: ConfigGroup, incoming: IncomingGroup) -> None:
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
    incoming: IncomingGroup,
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
        if doc.spark_engine is not None:
            spark_engine.update_engine(session, group, doc.spark_engine, username, permissions)
    except ChangeForbidden as exc:
        raise ChangeForbidden(f"group {group.name!r}: {exc}") from None
    except InvalidGroupInput as exc:
        raise ImportRefused(f"group {group.name!r}: {exc}") from None
    return _fingerprint(group) != before


def _fingerprint(group: ConfigGroup) -> str:
    """What the group is, as its users see it: equal before and after an import that changes nothing.

    Compared in memory only (it holds decrypted secrets): never log or store it."""
    files = sorted(
        (
            f.kind,
            f.name,
            hashlib.sha256(secrets.decrypt(f.content) if f.kind == KEYTAB else f.content).hexdigest(),
        )
        for f in group.files
    )
    state = [
        group.spark_arguments or {},
        group.spark_confs or {},
        group.spark_home,
        group.kerberos_principal,
        group.kerberos_keytab,
        {kernel: livy_endpoint(group, kernel) for kernel in livy.KERNELS},
        livy_passwords(group),
        runtime_section.runtime_view(group).model_dump(),
        published_engine(group),
        files,
    ]
    return json.dumps(state, sort_keys=True, default=str)


def _import_group(
    session: Session,
    name: str,
    incoming: IncomingGroup,
    dependencies: list[str],
    permissions: Permissions,
    username: str | None,
) -> tuple[str, Outcome]:
    """Create or update one group in its own savepoint: `(its stored name, outcome)`.

    An unchanged group is rolled back to what it was: the section services stamp and publish every
    save, and an import of identical content must leave "Last changed" alone."""
    item = session.begin_nested()
    try:
        existing = session.scalar(select(ConfigGroup).where(func.lower(ConfigGroup.name) == name.lower()))
        if existing is None:
            group = groups.create_group(session, name, username)
            _apply(session, group, incoming, dependencies, permissions, username)
            outcome: Outcome = "created"
        else:
            changed = _apply(session, existing, incoming, dependencies, permissions, username)
            group, outcome = existing, ("updated" if changed else "unchanged")
        stored_name = group.name
    except BaseException:
        item.rollback()
        raise
    if outcome == "unchanged":
        item.rollback()
    else:
        item.commit()
    return stored_name, outcome


def _lock_for_writing(session: Session) -> None:
    """Start the import's transaction with a write (one that changes no row).

    On SQLite (WAL) a transaction that reads first works on a snapshot; if the scheduler commits before
    the import's first write, that write fails at once with "database is locked" instead of waiting. An
    import reads for a while (every group, its files and secrets) before it writes, so it takes the write
    lock first, waiting for other writers as long as the busy timeout allows. Elsewhere it is a no-op."""
    session.execute(update(ConfigGroup).where(ConfigGroup.id.is_(None)).values(updated_by=None))


def _set_default(session: Session, name: str, report: ImportReport, username: str | None) -> None:
    current = default_group(session)
    if current is not None and current.name.lower() == name.lower():
        return
    groups.set_default(session, name, username)
    if name in report.unchanged:  # becoming the default is a change of the group
        report.unchanged.remove(name)
        report.updated.append(name)


def _refuse(report: ImportReport) -> ImportRefused:
    """All or nothing: what would have been written is held back; the report says so for each group."""
    count = len(report.rejected)
    reason = f"not imported: {count} other group(s) of the archive were refused (all or nothing)"
    report.held_back = [
        *(ImportHeldBack(name=name, would_be="created", reason=reason) for name in report.created),
        *(ImportHeldBack(name=name, would_be="updated", reason=reason) for name in report.updated),
    ]
    report.created, report.updated = [], []
    listed = "; ".join(f"{r.name}: {r.reason}" for r in report.rejected)
    return ImportRefused(f"nothing was imported, {count} group(s) refused: {listed}", report)


def import_groups(
    session: Session,
    archive: BinaryIO,
    *,
    dry_run: bool,
    username: str | None,
    permissions: Permissions,
    dependencies: list[str] | None = None,
) -> ImportReport:
    """Import an export; all of it or (on any refusal) nothing, with a report of every group.

    Groups equal to the archive are `unchanged` and not touched (no stamp, no publish). A refused
    group raises `ImportRefused` carrying the report; a dry run answers the same and rolls back.
    `dependencies`: the names in the Spark dependencies repository (looked up when None)."""
    report = ImportReport(dry_run=dry_run)
    names = spark_section.dependency_names() if dependencies is None else dependencies
    with tempfile.TemporaryDirectory(prefix="wfo-configs-import-") as tmp:
        manifest, incoming, report.rejected = read_archive(archive, Path(tmp) / "x")
    stored_names: dict[str, str] = {}
    savepoint = session.begin_nested()
    try:
        _lock_for_writing(session)
        for name, group_in in incoming.items():
            try:
                stored_names[name], outcome = _import_group(
                    session, name, group_in, names, permissions, username
                )
            except ImportRefused as exc:
                report.rejected.append(ImportRejection(name=name, reason=str(exc)))
                continue
            getattr(report, outcome).append(stored_names[name])
        default = manifest.get("default")
        if default is not None and not report.rejected:
            report.default = stored_names.get(str(default), str(default))
            _set_default(session, report.default, report, username)
        if report.rejected:
            raise _refuse(report)
    except BaseException:
        savepoint.rollback()
        session.expire_all()
        raise
    if dry_run:
        savepoint.rollback()
        session.expire_all()
    else:
        savepoint.commit()
        report.imported = bool(report.created or report.updated)
    return report
