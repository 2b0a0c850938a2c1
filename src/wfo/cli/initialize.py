"""The idempotent init step `wfo up` runs before any Airflow component starts.

Runs in its own process with AIRFLOW_HOME pointing at the instance: migrates the metadata DB
(Airflow's tables, FAB's and ours, exactly what `airflow db migrate` does), seeds the first config
group, syncs FAB's roles, creates our Developer role, applies `wfo.auth.roles.GRANTS`, and creates the
first admin user, and seeds the example DAGs' artifacts and data. Doing the grants here, once, avoids
several api-server workers racing to create the same permissions.

Prints one JSON line describing what it did, for `wfo up` to show.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from wfo.auth import roles
from wfo.settings import get_settings


def migrate_database() -> None:
    from airflow.utils import db

    db.upgradedb()


def _developer_base_permissions(sm: Any) -> list[tuple[str, str]]:
    # Developer = User's permissions (+ developer features, granted through GRANTS).
    return list(sm.VIEWER_PERMISSIONS) + list(sm.USER_PERMISSIONS)


def sync_roles(sm: Any) -> None:
    """Create FAB's roles and ours; make our resources' grants equal to the declarative table."""
    sm.sync_roles()
    sm.bulk_sync_roles([{"role": roles.DEVELOPER, "perms": _developer_base_permissions(sm)}])
    for role_name in roles.ALL_ROLES:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = roles.role_permissions(role_name)
        for action, resource in sorted(wanted):
            permission = sm.get_permission(action, resource) or sm.create_permission(action, resource)
            if permission not in role.permissions:
                sm.add_permission_to_role(role, permission)
        # Grants removed from the table are revoked, but only on our resources.
        for permission in list(role.permissions):
            pair = (permission.action.name, permission.resource.name)
            if pair[1] in roles.OUR_RESOURCES and pair not in wanted:
                sm.remove_permission_from_role(role, permission)


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def ensure_admin(sm: Any, username: str, password_from_env: str) -> dict[str, Any]:
    """Create the first admin on an empty user table; never touch an existing one."""
    if sm.count_users() > 0:
        return {"admin_created": False}
    settings = get_settings()
    generated = not password_from_env
    password = password_from_env or secrets.token_urlsafe(18)
    admin_role = sm.find_role(roles.ADMIN)
    user = sm.add_user(username, "wfo", "Admin", f"{username}@localhost", admin_role, password)
    if not user:
        raise SystemExit(f"could not create the admin user {username!r}")
    result: dict[str, Any] = {"admin_created": True, "username": username, "generated": generated}
    if generated:
        # Only into the 0600 file: `wfo up` shows it from there, and this report ends up in init.log.
        _write_private(settings.admin_password_file, password + "\n")
        result["password_file"] = str(settings.admin_password_file)
    return result


def seed_config_groups() -> dict[str, Any]:
    """First start: the config group `default` (Spark master local[*]); every group (re)published.

    Republishing signs every group with the current signing key: after a key rotation (delete the key,
    restart `wfo up`) the connections match the new public key again.
    """
    from airflow.utils.session import create_session

    from wfo.clusters.groups import ensure_default_group
    from wfo.clusters.signing import ensure_signing_key

    # `wfo up` created it with airflow.cfg already; this covers an init step run on its own.
    ensure_signing_key(get_settings().home)

    with create_session(scoped=False) as session:
        result = ensure_default_group(session)
    report: dict[str, Any] = {"default_config_group_created": result["created"]}
    if result["not_published"]:
        report["config_groups_not_published"] = result["not_published"]
    if result["renamed"]:
        report["config_groups_renamed_invalid_names"] = result["renamed"]
    return report


def seed_code_bricks() -> dict[str, Any]:
    """The code bricks wfo ships: added when missing, never over a user's edit or deletion."""
    from airflow.utils.session import create_session

    from wfo.dagfiles.bricks import seed_shipped

    with create_session(scoped=False) as session:
        result = seed_shipped(session)
    return {"code_bricks_added": len(result["added"])}


def run(admin_password: str) -> dict[str, Any]:
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    migrate_database()
    seeded = seed_config_groups() | seed_code_bricks()
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sync_roles(sm)
        admin = ensure_admin(sm, get_settings().admin_user, admin_password)
    from wfo.cli.airflow_config import pyspark_home
    from wfo.examples.seed import seed_examples

    return {**admin, **seeded, **seed_examples(get_settings(), pyspark_home())}


def main() -> None:
    # The password travels on stdin, never in argv or a child's environment.
    admin_password = sys.stdin.readline().strip() if not sys.stdin.isatty() else ""
    result = run(admin_password)
    print("WFO_INIT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
