"""The idempotent init step `wfo up` runs before any Airflow component starts.

Runs in its own process with AIRFLOW_HOME pointing at the instance: migrates the metadata DB
(Airflow's tables, FAB's and ours, exactly what `airflow db migrate` does), seeds the first config
group, syncs FAB's roles, creates our Developer role, applies `wfo.auth.roles.GRANTS`, and creates the
first admin user, and seeds the example DAGs' artifacts and data. Doing the grants here, once, avoids
several api-server workers racing to create the same permissions.

Prints one `WFO_PHASE` JSON line per phase as it ends (name, wall and CPU seconds, what was skipped),
for `wfo up` to show as progress, and one `WFO_INIT` JSON line describing what it did.

A later start skips what is already done, found cheaply (DESIGN §8, bench/startup/):
* the migration when every version table (Airflow's, FAB's, ours) is at its head: one SELECT each,
  the heads read from the migration scripts once per installed version and cached in `run/`;
* FAB's role sync and the Flask app it needs (≈ 4 s CPU to import) when the permission tables hash to
  what the last sync left and the code that defines the roles has not changed, and a user exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from wfo.auth import roles
from wfo.settings import get_settings

# What a later start can skip, and why (see the module docstring); in $WFO_HOME/run/.
CACHE_FILE = "init-cache.json"
# The one line the init step prints when it refuses the database; `wfo up` shows its text alone.
REFUSED_PREFIX = "WFO_REFUSED "


@contextlib.contextmanager
def phase(name: str, timings: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Time one phase (wall and this process's CPU) and print it as a `WFO_PHASE` line when it ends."""
    entry: dict[str, Any] = {"phase": name}
    wall, cpu = time.monotonic(), time.process_time()
    yield entry
    entry["seconds"] = round(time.monotonic() - wall, 2)
    entry["cpu_seconds"] = round(time.process_time() - cpu, 2)
    timings.append(entry)
    print("WFO_PHASE " + json.dumps(entry), flush=True)


def _cache_path() -> Path:
    return get_settings().run_dir / CACHE_FILE


def read_cache() -> dict[str, Any]:
    try:
        cache = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def write_cache(cache: dict[str, Any]) -> None:
    path = _cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(cache, indent=2, sort_keys=True))


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _installed_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("apache-airflow", "apache-airflow-core", "apache-airflow-providers-fab", "wfo"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def _version_tables() -> dict[str, str]:
    """Version table -> migration scripts folder, for Airflow and every external DB manager it runs."""
    from airflow.utils import db
    from airflow.utils.db_manager import RunDBManager

    tables = {"alembic_version": str(Path(db.__file__).parent.parent / "migrations")}
    for manager in RunDBManager()._managers:  # type: ignore[no-untyped-call]  # what `db migrate` runs
        tables[manager.version_table_name] = str(manager.migration_dir)
    return tables


def _scripts_fingerprint(tables: dict[str, str]) -> str:
    """Changes with the installed versions and with any migration script added, removed or edited."""
    listing = {}
    for table, folder in tables.items():
        versions = Path(folder) / "versions"
        listing[table] = sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in versions.glob("*.py")
        )
    return _digest({"versions": _installed_versions(), "scripts": listing})


def _script_heads(tables: dict[str, str]) -> dict[str, list[str]]:
    from alembic.script import ScriptDirectory

    return {table: sorted(ScriptDirectory(folder).get_heads()) for table, folder in tables.items()}


def _script_revisions(tables: dict[str, str]) -> dict[str, list[str]]:
    """Every revision the installed scripts know, per version table."""
    from alembic.script import ScriptDirectory

    return {
        table: sorted(script.revision for script in ScriptDirectory(folder).walk_revisions())
        for table, folder in tables.items()
    }


# Tables of Airflow's own schema: with them present and Airflow's version table missing, a first
# migration stopped between creating the tables and stamping them (or something else made them).
_AIRFLOW_MARKER_TABLES = frozenset({"dag_run", "task_instance"})


class DatabaseStateError(Exception):
    """The database is in a state the init step must not migrate or start on; the message says why and
    what to do. `main` prints it as one `WFO_REFUSED` line and `wfo up` shows only that."""


def _database_state(tables: dict[str, str]) -> tuple[set[str], dict[str, list[str]]]:
    """The database's table names, and the revisions of the version tables that exist."""
    from airflow import settings
    from sqlalchemy import inspect, text

    assert settings.engine is not None  # configured by importing airflow
    with settings.engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        revisions = {
            table: sorted(row[0] for row in conn.execute(text(f"SELECT version_num FROM {table}")))
            for table in tables
            if table in existing
        }
    return existing, revisions


def _refuse_unknown_state(
    existing: set[str], revisions: dict[str, list[str]], known: dict[str, list[str]]
) -> None:
    """Refuse a database that no migration of this installation can safely continue."""
    for table, at in revisions.items():
        unknown = sorted(set(at) - set(known.get(table, ())))
        if unknown:
            raise DatabaseStateError(
                f"the database's `{table}` is at revision {', '.join(unknown)}, which this installation "
                f"({_versions_text()}) does not know: a newer version migrated it, or its migration was "
                "edited. Start the version that migrated it, or restore the backup taken before. "
                "Nothing was changed."
            )
    if "alembic_version" not in existing and existing & _AIRFLOW_MARKER_TABLES:
        raise DatabaseStateError(
            "the database holds Airflow's tables but no `alembic_version` table: an earlier first "
            "migration stopped before it finished, or the tables were made by something else. Start on "
            "an empty database (or drop these tables), or restore a backup. Nothing was changed."
        )


def _versions_text() -> str:
    return ", ".join(f"{name} {version}" for name, version in _installed_versions().items() if version)


def migrate_database(cache: dict[str, Any]) -> str:
    """`airflow db migrate`, unless every version table is at its head already. Returns what it did.

    Refuses (`DatabaseStateError`, nothing changed) a database at a revision the installed scripts do
    not know, or holding Airflow's tables without its version table. A migration that fails is reported
    with the revisions the database stays at: each step runs in a transaction of its own, so on
    PostgreSQL the failed step is rolled back and the next start continues from there.
    """
    try:
        # With the same installed versions and scripts, the tables and heads of the last start hold: the
        # check then needs neither Airflow's models nor the DB managers imported (≈ 2 s CPU).
        tables, heads = cache.get("version_tables"), cache.get("heads")
        if not (
            isinstance(tables, dict)
            and isinstance(heads, dict)
            and cache.get("scripts_fingerprint") == _scripts_fingerprint(tables)
        ):
            tables = _version_tables()
            heads = _script_heads(tables)
            cache.update(version_tables=tables, heads=heads, scripts_fingerprint=_scripts_fingerprint(tables))
        existing, revisions = _database_state(tables)
    except Exception as exc:  # noqa: BLE001 - the check is an optimisation; the migration decides
        print(f"wfo: could not compare the database with its head revisions ({exc}); migrating", flush=True)
    else:
        if set(tables) <= existing and revisions == heads:
            return "skipped: the database is at its head revisions"
        # Only a database that needs migrating pays for reading every script's revision.
        _refuse_unknown_state(existing, revisions, _script_revisions(tables))
    from airflow.utils import db

    try:
        db.upgradedb()
    except Exception as exc:
        raise DatabaseStateError(_migration_failure(exc)) from exc
    return "migrated"


def _migration_failure(exc: BaseException) -> str:
    from airflow import settings

    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
    try:
        _, revisions = _database_state(_version_tables())
        at = "; ".join(
            f"`{table}` at {', '.join(revs) or 'no revision'}" for table, revs in revisions.items()
        )
    except Exception as state_exc:  # noqa: BLE001 - the report must not hide the migration's own error
        at = f"unknown ({state_exc})"
    assert settings.engine is not None
    if settings.engine.dialect.name == "postgresql":
        undo = (
            "The step that failed was rolled back (each step is a transaction of its own); the steps "
            "before it stay. Fix the cause and start again: the migration continues from there."
        )
    else:
        undo = (
            f"{settings.engine.dialect.name} cannot undo every schema change of a failed step: restore "
            "the database from a backup before starting again."
        )
    return (
        f"the database migration failed: {type(exc).__name__}: {reason}. The database stays with {at}. {undo}"
    )


def _developer_base_permissions(sm: Any) -> list[tuple[str, str]]:
    # Developer = User's permissions (+ developer features, granted through GRANTS).
    return list(sm.VIEWER_PERMISSIONS) + list(sm.USER_PERMISSIONS)


def roles_fingerprint() -> str:
    """What defines the roles: the installed Airflow/FAB/wfo, our grants table, `[fab] custom_roles`."""
    from airflow.configuration import conf

    grants = {name: sorted(roles.role_permissions(name)) for name in roles.ALL_ROLES}
    return _digest(
        {
            "versions": _installed_versions(),
            "grants": grants,
            "custom_roles": conf.get("fab", "custom_roles", fallback=""),
        }
    )


def permissions_state() -> str | None:
    """A hash of every role's permissions and of the number of users (None: FAB must run, e.g. no user)."""
    from airflow import settings
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    query = text(
        "SELECT r.name, a.name, v.name FROM ab_permission_view_role pvr"
        " JOIN ab_role r ON r.id = pvr.role_id"
        " JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id"
        " JOIN ab_permission a ON a.id = pv.permission_id"
        " JOIN ab_view_menu v ON v.id = pv.view_menu_id"
    )
    assert settings.engine is not None  # configured by importing airflow
    try:
        with settings.engine.connect() as conn:
            grants = sorted(tuple(row) for row in conn.execute(query))
            users = conn.execute(text("SELECT COUNT(*) FROM ab_user")).scalar_one()
    except SQLAlchemyError:
        return None
    if not users:
        return None  # the first admin must be created: that needs FAB's security manager
    return _digest({"grants": grants, "users": users})


def sync_roles(sm: Any) -> None:
    """Create FAB's roles and ours; make our resources' grants equal to the declarative table.

    FAB's own `sync_roles` runs here first (DESIGN §9: grants happen here); the api-server's FAB app
    adds the permissions of the views it registers when it starts (`[fab] update_fab_perms`).
    """
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


def sync_roles_and_admin(cache: dict[str, Any], admin_password: str) -> tuple[dict[str, Any], str]:
    """Role sync and first admin, unless nothing that defines them changed since the last sync."""
    wanted = roles_fingerprint()
    state = permissions_state()
    if state is not None and cache.get("roles") == {"fingerprint": wanted, "state": state}:
        return {"admin_created": False}, "skipped: roles and users unchanged since the last sync"
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sync_roles(sm)
        admin = ensure_admin(sm, get_settings().admin_user, admin_password)
    cache["roles"] = {"fingerprint": wanted, "state": permissions_state()}
    return admin, "synced"


def _build_jar_ahead(folder: Path) -> Future[Path | None] | None:
    """First start: compile the example jar (javac, ≈ 3 s of a JVM) while the database is migrated."""
    if read_cache():
        return None  # a later start: the jar is in the repository already (else seeding builds it)
    from wfo.cli.airflow_config import pyspark_home
    from wfo.examples.seed import JAR_NAME, build_example_jar

    def build() -> Path | None:
        try:
            return build_example_jar(folder / JAR_NAME, pyspark_home())
        except Exception:  # noqa: BLE001 - seeding builds it again and reports the error
            return None

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="jar").submit(build)


def run(admin_password: str, timings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wfo-jar-") as folder:
        return _run(admin_password, [] if timings is None else timings, _build_jar_ahead(Path(folder)))


def _run(
    admin_password: str, timings: list[dict[str, Any]], jar: Future[Path | None] | None
) -> dict[str, Any]:
    cache = read_cache()
    with phase("migrate", timings) as step:
        step["result"] = migrate_database(cache)
    with phase("seed config groups, code bricks", timings):
        seeded = seed_config_groups() | seed_code_bricks()
    with phase("roles and admin user", timings) as step:
        admin, step["result"] = sync_roles_and_admin(cache, admin_password)
    write_cache(cache)
    from wfo.cli.airflow_config import pyspark_home
    from wfo.examples.seed import seed_examples

    with phase("seed examples", timings):
        examples = seed_examples(get_settings(), pyspark_home(), jar.result() if jar else None)
    return {**admin, **seeded, **examples}


def main() -> None:
    # The password travels on stdin, never in argv or a child's environment.
    admin_password = sys.stdin.readline().strip() if not sys.stdin.isatty() else ""
    timings: list[dict[str, Any]] = []
    with phase("import Airflow", timings):
        import airflow.settings  # noqa: F401 - the cold import, timed on its own
    try:
        result = run(admin_password, timings)
    except DatabaseStateError as refused:
        print(f"{REFUSED_PREFIX}{refused}", flush=True)
        sys.stderr.flush()
        os._exit(3)
    print("WFO_INIT " + json.dumps(result), flush=True)
    sys.stderr.flush()
    # Everything is committed and reported: skip the interpreter's teardown of Airflow's modules and
    # pools (seconds on a loaded machine, during which `wfo up` waited to start the components).
    os._exit(0)


if __name__ == "__main__":
    main()
