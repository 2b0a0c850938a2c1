"""The saved LDAP settings: `$WFO_HOME/ldap.json` (0600), the bind password in it as a Fernet token.

One file per api-server host, like `webserver_config.py` that loads it (wfo.ldapconfig.fab): several hosts
get the same file copied (docs/ldap.md). The CA certificate, when one is given, is `$WFO_HOME/ldap-ca.pem`
for python-ldap's `AUTH_LDAP_TLS_CACERTFILE`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from wfo.clusters.secrets import decrypt, encrypt
from wfo.ldapconfig.errors import StoredSettingsUnreadable
from wfo.ldapconfig.schemas import LdapSettingsBase

SETTINGS_FILE = "ldap.json"
CA_FILE = "ldap-ca.pem"
MODE = 0o600


@dataclass(frozen=True)
class StoredLdap:
    settings: LdapSettingsBase
    password_token: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def password_set(self) -> bool:
        return bool(self.password_token)

    def bind_password(self) -> str:
        """The decrypted bind password ("" when none is stored); never logged, never answered."""
        return decrypt(self.password_token.encode()).decode() if self.password_token else ""


def settings_path(home: Path) -> Path:
    return home / SETTINGS_FILE


def ca_path(home: Path) -> Path:
    return home / CA_FILE


def read_stored(home: Path) -> StoredLdap:
    """The saved settings; the defaults (DB login) when nothing was saved."""
    path = settings_path(home)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StoredLdap(LdapSettingsBase())
    except (OSError, ValueError) as exc:
        raise StoredSettingsUnreadable(f"{path} cannot be read: {type(exc).__name__}") from None
    try:
        settings = LdapSettingsBase.model_validate(raw.get("settings", {}))
        updated_at = datetime.fromisoformat(raw["updated_at"]) if raw.get("updated_at") else None
    except (ValidationError, ValueError, TypeError, AttributeError):
        raise StoredSettingsUnreadable(f"{path} does not hold LDAP settings wfo can read") from None
    token = raw.get("bind_password_token")
    return StoredLdap(settings, token if isinstance(token, str) else None, raw.get("updated_by"), updated_at)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), MODE)
        handle.write(text)
    os.replace(tmp, path)


def write_stored(home: Path, stored: StoredLdap) -> None:
    """Write the settings (and the CA file, or remove it) atomically, readable by the instance's owner only."""
    if stored.settings.tls_ca_certificate:
        _write_private(ca_path(home), stored.settings.tls_ca_certificate)
    else:
        ca_path(home).unlink(missing_ok=True)
    document = {
        "settings": stored.settings.model_dump(mode="json"),
        "bind_password_token": stored.password_token,
        "updated_by": stored.updated_by,
        "updated_at": stored.updated_at.isoformat() if stored.updated_at else None,
    }
    _write_private(settings_path(home), json.dumps(document, indent=2) + "\n")


def password_token(password: str) -> str | None:
    return encrypt(password.encode()).decode() if password else None
