"""The Livy section of a config group: endpoints per kernel, passwords write-only and encrypted.

The model (`LivyUpdate`) checks each value; this service adds the rules that depend on what is stored:
a kernel keeps its password only while its URL points at the same server (`wfo.clusters.livy`), and
Basic_Access needs a user name and a password.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from wfo.clusters import livy, secrets
from wfo.clusters.published import livy_endpoint, livy_passwords
from wfo.clusters.schemas import LivyEndpointPublic, LivySection, LivyUpdate, Saved
from wfo.clusters.stored import touch
from wfo.db.models import ConfigGroup


def livy_view(group: ConfigGroup) -> LivySection:
    """Each kernel's settings and whether a password is stored (the password itself never)."""
    passwords = livy_passwords(group)
    return LivySection.model_validate(
        {
            kernel: LivyEndpointPublic.model_validate(
                {**livy_endpoint(group, kernel), "password_set": bool(passwords.get(kernel))}
            )
            for kernel in livy.KERNELS
        }
    )


def settle(
    update: LivyUpdate, previous: dict[str, str], previous_urls: dict[str, str]
) -> tuple[dict[str, dict[str, str]], dict[str, str | None]]:
    """`(settings without passwords, {kernel: password or None})` of an update over the stored state.

    A kernel without a `password` keeps `previous[kernel]` while its url points at the same server as
    `previous_urls[kernel]`. Raises `LivySettingsError` listing every problem.
    """
    errors: dict[str, str] = {}
    settings: dict[str, dict[str, str]] = {}
    passwords: dict[str, str | None] = {}
    for kernel in livy.KERNELS:
        endpoint = getattr(update, kernel)
        stored = previous.get(kernel)
        moved = stored is not None and livy.origin(endpoint.url) != livy.origin(previous_urls.get(kernel, ""))
        password = (None if moved else stored) if endpoint.password is None else endpoint.password or None
        if endpoint.url and endpoint.auth == "Basic_Access":
            if not endpoint.username:
                errors[f"{kernel}.username"] = "Basic_Access needs a user name"
            if password is None:
                errors[f"{kernel}.password"] = (
                    "the URL now points at another server: give the password again for the new URL"
                    if moved
                    else "Basic_Access needs a password"
                )
        settings[kernel] = {"url": endpoint.url, "auth": endpoint.auth, "username": endpoint.username}
        passwords[kernel] = password
    if errors:
        raise livy.LivySettingsError(errors)
    return settings, passwords


def update_livy(
    session: Session, group: ConfigGroup, update: LivyUpdate, username: str | None
) -> Saved[LivySection]:
    """Replace the Livy settings; `changes` is an audit-safe summary (no passwords).

    A kernel whose url now points at another server loses its stored password (see `wfo.clusters.livy`).
    """
    previous = livy_passwords(group)
    urls = {kernel: livy_endpoint(group, kernel)["url"] for kernel in livy.KERNELS}
    settings, passwords = settle(update, previous, urls)
    kept = {kernel: pw for kernel, pw in passwords.items() if pw}
    group.livy = settings
    group.livy_secrets = secrets.encrypt(json.dumps(kept).encode()) if kept else None
    touch(session, group, username)
    return Saved(
        livy_view(group),
        {
            "urls": {kernel: settings[kernel]["url"] for kernel in livy.KERNELS},
            "passwords_changed": sorted(k for k in livy.KERNELS if previous.get(k) != kept.get(k)),
        },
    )
