"""The Livy section of a config group: endpoints per kernel, passwords write-only and encrypted."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from wfo.clusters import secrets
from wfo.clusters.groups import touch
from wfo.clusters.livy import KERNELS, validate_livy
from wfo.clusters.published import livy_endpoint, livy_passwords
from wfo.db.models import ConfigGroup


def livy_view(group: ConfigGroup) -> dict[str, dict[str, Any]]:
    """Each kernel's settings and whether a password is stored (the password itself never)."""
    passwords = livy_passwords(group)
    return {
        kernel: {**livy_endpoint(group, kernel), "password_set": bool(passwords.get(kernel))}
        for kernel in KERNELS
    }


def update_livy(
    session: Session, group: ConfigGroup, payload: dict[str, Any], username: str | None
) -> dict[str, Any]:
    """Replace the Livy settings; returns an audit-safe summary (no passwords).

    A kernel whose url now points at another server loses its stored password (see `wfo.clusters.livy`).
    """
    previous = livy_passwords(group)
    urls = {kernel: livy_endpoint(group, kernel)["url"] for kernel in KERNELS}
    settings, passwords = validate_livy(payload, previous, urls)
    kept = {kernel: pw for kernel, pw in passwords.items() if pw}
    group.livy = settings
    group.livy_secrets = secrets.encrypt(json.dumps(kept).encode()) if kept else None
    touch(session, group, username)
    return {
        "urls": {kernel: settings[kernel]["url"] for kernel in KERNELS},
        "passwords_changed": sorted(k for k in KERNELS if previous.get(k) != kept.get(k)),
    }
