"""The Kerberos section of a config group: krb5.conf, keytabs (stored encrypted), principal, keytab.

Keytab bytes never leave this module except decrypted into the published snapshot; listings show
only names, sizes and the principals a keytab holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from wfo.clusters import secrets
from wfo.clusters.errors import GroupNotFound, InvalidGroupInput
from wfo.clusters.groups import KEYTAB, KRB5, files_of, find_file, touch
from wfo.clusters.keytab import KeytabError, read_principals
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup, ConfigGroupFile
from wfo.storage.errors import ExtensionNotAllowedError, UnsafeNameError
from wfo.storage.limits import MiB, check_extension

KRB5_CONF = "krb5.conf"
MAX_KRB5_BYTES = 1 * MiB
MAX_KEYTAB_BYTES = 1 * MiB
# primary[/instance][@REALM], no spaces; what kinit accepts.
_PRINCIPAL = re.compile(r"[^\s@/]+(/[^\s@/]+)?(@[^\s@/]+)?")


@dataclass(frozen=True)
class KeytabInfo:
    name: str
    size: int
    modified: datetime
    principals: list[str]


@dataclass(frozen=True)
class KerberosView:
    principal: str | None
    keytab: str | None
    krb5_conf: bool
    keytabs: list[KeytabInfo]


def kerberos_view(group: ConfigGroup) -> KerberosView:
    keytabs = []
    for f in files_of(group, KEYTAB):
        try:
            principals = read_principals(secrets.decrypt(f.content))
        except KeytabError:
            principals = []
        keytabs.append(KeytabInfo(f.name, f.size, f.modified, principals))
    return KerberosView(
        principal=group.kerberos_principal,
        keytab=group.kerberos_keytab,
        krb5_conf=find_file(group, KRB5, KRB5_CONF) is not None,
        keytabs=keytabs,
    )


def _checked(upload: IncomingFile) -> tuple[str, str, bytes]:
    """(kind, name, content to store) of one upload, or a refusal."""
    try:
        if upload.name.lower() == KRB5_CONF:
            name, data = upload.read(MAX_KRB5_BYTES)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidGroupInput("krb5.conf is not UTF-8 text; nothing was uploaded") from None
            if "\x00" in text:
                raise InvalidGroupInput("krb5.conf contains a NUL byte; nothing was uploaded")
            return KRB5, KRB5_CONF, data
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


def upload_kerberos_files(
    session: Session, group: ConfigGroup, uploads: Sequence[IncomingFile], username: str | None
) -> list[str]:
    """Add or replace krb5.conf and keytabs; all of them or (on any refusal) none."""
    if not uploads:
        raise InvalidGroupInput("no files were given; upload krb5.conf and/or *.keytab files")
    checked: dict[tuple[str, str], bytes] = {}
    for upload in uploads:
        kind, name, data = _checked(upload)
        if (kind, name) in checked:
            raise InvalidGroupInput(f"{name!r} is given twice in one upload; nothing was uploaded")
        checked[(kind, name)] = data
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
    return [name for _, name in checked]


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
    session: Session, group: ConfigGroup, principal: str | None, keytab: str | None, username: str | None
) -> None:
    principal = check_principal(principal)
    keytab = keytab.strip() if keytab and keytab.strip() else None
    if keytab is not None and find_file(group, KEYTAB, keytab) is None:
        known = ", ".join(f.name for f in files_of(group, KEYTAB)) or "none uploaded yet"
        raise InvalidGroupInput(f"{keytab!r} is not one of this group's keytabs ({known})")
    group.kerberos_principal, group.kerberos_keytab = principal, keytab
    touch(session, group, username)


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


def delete_krb5_conf(session: Session, group: ConfigGroup, username: str | None) -> None:
    found = find_file(group, KRB5, KRB5_CONF)
    if found is None:
        raise GroupNotFound(f"config group {group.name!r} has no krb5.conf")
    group.files.remove(found)
    touch(session, group, username)
