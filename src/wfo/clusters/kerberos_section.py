"""The Kerberos section of a config group: krb5.conf, keytabs (stored encrypted), principal, keytab.

Keytab bytes never leave this module except decrypted into the published snapshot; listings show
only names, sizes and the principals a keytab holds. A krb5.conf can make libkrb5 load code
(`wfo.clusters.krb5_code`): changing those settings needs `WFO Cluster Code Settings` can_edit, the
others (realms, KDCs, lifetimes) and keytabs `WFO Config Groups` can_edit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from wfo.clusters import krb5_code, secrets
from wfo.clusters.errors import GroupNotFound, InvalidGroupInput
from wfo.clusters.keytab import KeytabError, read_principals
from wfo.clusters.permissions import CLUSTER_RIGHT, CODE_RIGHT, Permissions
from wfo.clusters.schemas import KerberosSection, KerberosUpdate, KeytabPublic, Saved
from wfo.clusters.stored import KEYTAB, KRB5, files_of, find_file, touch
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup, ConfigGroupFile
from wfo.storage.errors import ExtensionNotAllowedError, UnsafeNameError
from wfo.storage.limits import MiB, check_extension

KRB5_CONF = "krb5.conf"
MAX_KRB5_BYTES = 1 * MiB
MAX_KEYTAB_BYTES = 1 * MiB
# primary[/instance][@REALM], no spaces; what kinit accepts.
_PRINCIPAL = re.compile(r"[^\s@/]+(/[^\s@/]+)?(@[^\s@/]+)?")


def kerberos_view(group: ConfigGroup) -> KerberosSection:
    keytabs = []
    for f in files_of(group, KEYTAB):
        try:
            principals = read_principals(secrets.decrypt(f.content))
        except KeytabError:
            principals = []
        keytabs.append(KeytabPublic(name=f.name, size=f.size, modified=f.modified, principals=principals))
    return KerberosSection(
        principal=group.kerberos_principal,
        keytab=group.kerberos_keytab,
        krb5_conf=find_file(group, KRB5, KRB5_CONF) is not None,
        keytabs=keytabs,
    )


def check_krb5_conf(data: bytes, what: str) -> bytes:
    """`data` if it can be a krb5.conf (UTF-8 text without NUL); `what` ends the refusal."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidGroupInput(f"krb5.conf is not UTF-8 text; {what}") from None
    if "\x00" in text:
        raise InvalidGroupInput(f"krb5.conf contains a NUL byte; {what}")
    return data


def check_krb5_change(old: bytes | None, new: bytes | None, permissions: Permissions, what: str) -> None:
    """Refuse a change of krb5.conf (`what` describes it) that touches settings the caller may not edit."""
    changes = krb5_code.code_changes(old, new)
    permissions.check_code(
        changes,
        f"{what} touches krb5.conf settings that can make Kerberos load code or other files: "
        f"{'; '.join(changes)}. Changing them needs {CODE_RIGHT}; an Op may set only realms, KDCs and "
        "the [libdefaults] listed in the user guide. Nothing was changed",
    )
    # Without a krb5.conf of their group, tasks use the worker's own: adding or removing one is a change too.
    permissions.check_cluster(
        krb5_code.other_changed(old, new) or (old is None) != (new is None),
        f"{what} changes krb5.conf settings (realms, KDCs, lifetimes ...) or whether the group has one: "
        f"it needs {CLUSTER_RIGHT}; nothing was changed",
    )


def _checked(upload: IncomingFile) -> tuple[str, str, bytes]:
    """(kind, name, content to store) of one upload, or a refusal."""
    try:
        if upload.name.lower() == KRB5_CONF:
            _, data = upload.read(MAX_KRB5_BYTES)
            return KRB5, KRB5_CONF, check_krb5_conf(data, "nothing was uploaded")
        name, data = upload.read(MAX_KEYTAB_BYTES)
        check_extension(name, [".keytab"])
    except (UnsafeNameError, ExtensionNotAllowedError) as exc:
        raise InvalidGroupInput(
            f"{exc}; only krb5.conf and *.keytab files are accepted here; nothing was uploaded"
        ) from None
    try:
        read_principals(data)
    except KeytabError as exc:
        raise InvalidGroupInput(f"{name!r} is not a Kerberos keytab: {exc}; nothing was uploaded") from None
    return KEYTAB, name, data


def _krb5_content(group: ConfigGroup) -> bytes | None:
    found = find_file(group, KRB5, KRB5_CONF)
    return None if found is None else found.content


def upload_kerberos_files(
    session: Session,
    group: ConfigGroup,
    uploads: Sequence[IncomingFile],
    username: str | None,
    permissions: Permissions,
) -> Saved[KerberosSection]:
    """Add or replace krb5.conf and keytabs; all of them or (on any refusal) none.

    Keytabs need `WFO Config Groups` can_edit; krb5.conf what its changed settings need."""
    if not uploads:
        raise InvalidGroupInput("no files were given; upload krb5.conf and/or *.keytab files")
    checked: dict[tuple[str, str], bytes] = {}
    for upload in uploads:
        kind, name, data = _checked(upload)
        if (kind, name) in checked:
            raise InvalidGroupInput(f"{name!r} is given twice in one upload; nothing was uploaded")
        checked[(kind, name)] = data
    keytabs = [name for kind, name in checked if kind == KEYTAB]
    permissions.check_cluster(
        bool(keytabs), f"uploading keytabs ({', '.join(keytabs)}) needs {CLUSTER_RIGHT}; nothing was uploaded"
    )
    if (KRB5, KRB5_CONF) in checked:
        check_krb5_change(_krb5_content(group), checked[(KRB5, KRB5_CONF)], permissions, "this upload")
    now = datetime.now(UTC)
    for (kind, name), data in checked.items():
        stored = secrets.encrypt(data) if kind == KEYTAB else data
        existing = find_file(group, kind, name)
        if existing is None:
            group.files.append(
                ConfigGroupFile(kind=kind, name=name, content=stored, size=len(data), modified=now)
            )
        else:
            existing.content, existing.size, existing.modified = stored, len(data), now
    touch(session, group, username)
    return Saved(kerberos_view(group), {"files": [name for _, name in checked]})


def check_principal(principal: str | None) -> str | None:
    if principal is None or principal.strip() == "":
        return None
    value = principal.strip()
    if len(value) > 256 or not _PRINCIPAL.fullmatch(value):
        raise InvalidGroupInput(
            f"{value!r} is not a Kerberos principal: write primary[/instance]@REALM, like etl@EXAMPLE.COM"
        )
    return value


def set_kerberos(
    session: Session, group: ConfigGroup, update: KerberosUpdate, username: str | None
) -> Saved[KerberosSection]:
    principal = check_principal(update.principal)
    keytab = update.keytab.strip() if update.keytab and update.keytab.strip() else None
    if keytab is not None and find_file(group, KEYTAB, keytab) is None:
        known = ", ".join(f.name for f in files_of(group, KEYTAB)) or "none uploaded yet"
        raise InvalidGroupInput(f"{keytab!r} is not one of this group's keytabs ({known})")
    group.kerberos_principal, group.kerberos_keytab = principal, keytab
    touch(session, group, username)
    return Saved(kerberos_view(group), {"principal": principal, "keytab": keytab})


def delete_keytab(session: Session, group: ConfigGroup, name: str, username: str | None) -> list[str]:
    """Delete a keytab; a selection of it (Kerberos keytab, Spark `keytab`) is cleared. Returns what was."""
    found = find_file(group, KEYTAB, name)
    if found is None:
        raise GroupNotFound(f"config group {group.name!r} has no keytab named {name!r}")
    group.files.remove(found)
    cleared = []
    if group.kerberos_keytab == name:
        group.kerberos_keytab = None
        cleared.append("kerberos.keytab")
    if (group.spark_arguments or {}).get("keytab") == name:
        group.spark_arguments = {k: v for k, v in group.spark_arguments.items() if k != "keytab"}
        cleared.append("spark.arguments.keytab")
    touch(session, group, username)
    return cleared


def delete_krb5_conf(
    session: Session, group: ConfigGroup, username: str | None, permissions: Permissions
) -> None:
    found = find_file(group, KRB5, KRB5_CONF)
    if found is None:
        raise GroupNotFound(f"config group {group.name!r} has no krb5.conf")
    check_krb5_change(found.content, None, permissions, "deleting krb5.conf")
    group.files.remove(found)
    touch(session, group, username)
