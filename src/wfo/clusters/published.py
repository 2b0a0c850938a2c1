"""Publishing config groups to Airflow connections, and reading them back task-side (DESIGN §9).

Task processes cannot use the metadata DB, so every change to a group is written to the connection
`wfo_config_group_<name>` (everything in its extra, which Airflow encrypts with the Fernet key) and
the index `wfo_config_groups` names the default. Workers read a group with `load_group_snapshot`,
through Airflow's normal connection lookup, never through our tables.

Airflow lets other roles (and anyone with DB access) edit connections, so each published extra carries
an Ed25519 signature (`wfo.clusters.signing`) and readers refuse one that wfo did not sign for exactly
that connection: a hand-edited group never reaches spark-submit.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wfo.db.models import ConfigGroup

SNAPSHOT_FORMAT = 1
# The connection type of what wfo publishes. A URI scheme, so without "_" (RFC 3986): Airflow warns about
# every connection of a type with "_" each time it turns one into a URI (each read by a task).
CONN_TYPE = "wfo-config-group"
# Types wfo published under before; `publish_all` (every start) and a data migration convert them.
OLD_CONN_TYPES = ("wfo_config_group",)
CONN_ID_PREFIX = "wfo_config_group_"
INDEX_CONN_ID = "wfo_config_groups"
REQUIRED_HADOOP_FILES = ("core-site.xml", "hdfs-site.xml", "yarn-site.xml")
LIVY_KERNELS = ("python", "scala")
# Where the Spark engine setting is kept in `ConfigGroup.runtime`, and its key in a snapshot.
SPARK_ENGINE_KEY = "spark_engine"


class GroupNotPublished(LookupError):
    """The connection of a config group (or the index of groups) is not defined."""


class SnapshotNotTrusted(GroupNotPublished):
    """A published connection is unsigned, altered, copied from another group or signed with another key."""


REPUBLISH_HINT = "republish it from wfo (any change in the Config groups page, or restart `wfo up`)"


def conn_id_for(name: str) -> str:
    return CONN_ID_PREFIX + name


def is_published_type(conn_type: str) -> bool:
    """Whether `conn_type` is wfo's connection type, now or before, in any spelling Airflow treats as it.

    Airflow reads the scheme of a connection URI with "-" as "_" (`Connection._normalize_conn_type`), so a
    connection of type `wfo-config-group` given as a URI comes back as `wfo_config_group`: both are ours.
    """
    folded = conn_type.strip().casefold().replace("-", "_")
    return folded in {t.replace("-", "_") for t in (CONN_TYPE, *OLD_CONN_TYPES)}


def livy_passwords(group: ConfigGroup) -> dict[str, str]:
    """The group's Livy passwords, decrypted (kernel -> password)."""
    from wfo.clusters import secrets

    if not group.livy_secrets:
        return {}
    data: dict[str, str] = json.loads(secrets.decrypt(group.livy_secrets))
    return data


def livy_endpoint(group: ConfigGroup, kernel: str) -> dict[str, str]:
    """A kernel's Livy settings without the password (an unset kernel: no url, auth None)."""
    stored = (group.livy or {}).get(kernel) or {}
    return {
        "url": str(stored.get("url") or ""),
        "auth": str(stored.get("auth") or "None"),
        "username": str(stored.get("username") or ""),
    }


def published_engine(group: ConfigGroup) -> dict[str, Any]:
    """How the group runs PySpark (`wfo.clusters.spark_engine`): engine, url, the token decrypted ("": none)."""
    from wfo.clusters import secrets

    stored = (group.runtime or {}).get(SPARK_ENGINE_KEY)
    stored = stored if isinstance(stored, dict) else {}
    token = stored.get("token")
    return {
        "engine": "connect" if stored.get("engine") == "connect" else "submit",
        "url": stored.get("url") or None,
        "token": secrets.decrypt(token.encode("ascii")).decode("utf-8") if token else "",
    }


def build_snapshot(group: ConfigGroup) -> dict[str, Any]:
    """The published form of a group: everything the render step needs, secrets decrypted."""
    from wfo.clusters import runtime, secrets

    hadoop = {
        f.name: f.content.decode("utf-8")
        for f in sorted(group.files, key=lambda f: f.name)
        if f.kind == "hadoop"
    }
    krb5 = next((f.content.decode("utf-8") for f in group.files if f.kind == "krb5"), None)
    keytabs = {
        f.name: base64.b64encode(secrets.decrypt(f.content)).decode("ascii")
        for f in sorted(group.files, key=lambda f: f.name)
        if f.kind == "keytab"
    }
    passwords = livy_passwords(group)
    livy = {
        kernel: livy_endpoint(group, kernel) | {"password": passwords.get(kernel) or ""}
        for kernel in LIVY_KERNELS
    }
    return {
        "format": SNAPSHOT_FORMAT,
        "name": group.name,
        "is_default": bool(group.is_default),
        "spark_home": group.spark_home,
        "spark": {"arguments": dict(group.spark_arguments or {}), "confs": dict(group.spark_confs or {})},
        "hadoop_files": hadoop,
        "krb5_conf": krb5,
        "kerberos": {"principal": group.kerberos_principal, "keytab": group.kerberos_keytab},
        "keytabs": keytabs,
        "livy": livy,
        # Dask cluster and Python interpreters; a snapshot without it means the defaults.
        "runtime": runtime.merged(group.runtime),
        # How PySpark runs (spark-submit or Spark Connect); a snapshot without it means spark-submit.
        SPARK_ENGINE_KEY: published_engine(group),
    }


def _put_connection(session: Session, conn_id: str, extra: dict[str, Any], description: str) -> None:
    from airflow.models import Connection
    from sqlalchemy import select

    from wfo.clusters import signing
    from wfo.settings import get_settings

    signed = signing.sign(signing.load_private_key(get_settings().home), conn_id, extra)

    conn = session.scalar(select(Connection).where(Connection.conn_id == conn_id))
    if conn is None:
        conn = Connection(conn_id=conn_id, conn_type=CONN_TYPE)
        session.add(conn)
    conn.conn_type = CONN_TYPE
    conn.description = description
    conn.set_extra(json.dumps(signed, sort_keys=True))
    session.flush()


def _delete_connection(session: Session, conn_id: str) -> None:
    from airflow.models import Connection
    from sqlalchemy import delete

    session.execute(delete(Connection).where(Connection.conn_id == conn_id))


def publish_group(session: Session, group: ConfigGroup) -> None:
    _put_connection(
        session,
        conn_id_for(group.name),
        build_snapshot(group),
        f"Config group {group.name!r}, published and signed by wfo: change it in wfo's Config groups page "
        "(tasks refuse a copy edited here).",
    )


def unpublish_group(session: Session, name: str) -> None:
    _delete_connection(session, conn_id_for(name))


def publish_index(session: Session) -> None:
    from sqlalchemy import select

    from wfo.db.models import ConfigGroup

    groups = session.scalars(select(ConfigGroup).order_by(ConfigGroup.name)).all()
    default = next((g.name for g in groups if g.is_default), None)
    _put_connection(
        session,
        INDEX_CONN_ID,
        {"format": SNAPSHOT_FORMAT, "default": default, "groups": [g.name for g in groups]},
        "Index of wfo config groups (which one is the default), published and signed by wfo.",
    )


def convert_old_connections(session: Session) -> int:
    """Give connections published under an old type (`OLD_CONN_TYPES`) the current one; returns how many.

    The signature covers the connection id and the content, not the type, so converted rows stay valid.
    """
    from airflow.models import Connection
    from sqlalchemy import CursorResult, update

    result = session.execute(
        update(Connection)
        .where(Connection.conn_type.in_(OLD_CONN_TYPES))
        .values(conn_type=CONN_TYPE)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount


def publish_all(session: Session) -> dict[str, str]:
    """Republish every group and the index (the init step uses it to repair hand-edited connections).

    A group whose secrets cannot be decrypted (the Fernet key changed) keeps its old connection and is
    returned with the reason, instead of stopping the platform from starting. Connections still of an old
    type (that group's, or any left by an earlier wfo) get the current type.
    """
    from sqlalchemy import select

    from wfo.clusters.secrets import SecretsError
    from wfo.db.models import ConfigGroup

    failures: dict[str, str] = {}
    for group in session.scalars(select(ConfigGroup)).all():
        try:
            publish_group(session, group)
        except SecretsError as exc:
            failures[group.name] = str(exc)
    publish_index(session)
    convert_old_connections(session)
    return failures


# --- task side ----------------------------------------------------------------------------------------


def _in_task() -> bool:
    # The same test Airflow itself uses: the task runner talks to its supervisor, not to the DB.
    return hasattr(sys.modules.get("airflow.sdk.execution_time.task_runner"), "SUPERVISOR_COMMS")


def _get_connection(conn_id: str) -> Any:
    """Airflow's connection lookup: the Task SDK's in a task (execution API, secrets backends);
    elsewhere (api-server, CLI, a kernel on the platform host) secrets backends then the metastore."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        if _in_task():
            raise
    # Outside a task the SDK does not read the metastore; the core lookup does.
    from airflow.models import Connection as StoredConnection

    return StoredConnection.get_connection_from_secrets(conn_id)


def _connection_extra(conn_id: str, what: str) -> dict[str, Any]:
    """The verified content of a published connection (`what` names it in errors)."""
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    from wfo.clusters import signing
    from wfo.settings import get_settings

    try:
        conn = _get_connection(conn_id)
    except (AirflowNotFoundException, AirflowRuntimeError) as exc:
        raise GroupNotPublished(
            f"the connection {conn_id!r} is not defined: the config group does not exist or was never "
            "published (`wfo up` publishes every group when it starts)"
        ) from exc
    # `conn.extra` (one masked string), not `extra_dejson`, which would mask every value of the group.
    try:
        extra = json.loads(conn.extra or "{}")
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        raise SnapshotNotTrusted(
            f"{what} was refused: its connection {conn_id!r} does not hold a JSON object; {REPUBLISH_HINT}"
        )
    try:
        return signing.verify(get_settings().signing_public_key, conn_id, extra)
    except signing.SignatureRefused as exc:
        if exc.problem in ("no-public-key", "bad-public-key"):
            raise SnapshotNotTrusted(f"{what} cannot be checked: {exc}") from None
        copied = extra.get("name")
        if conn_id != INDEX_CONN_ID and exc.problem == "altered" and conn_id != conn_id_for(str(copied)):
            reason = f"it holds a copy of config group {copied!r}, not this group's own published snapshot"
        else:
            reason = str(exc)
        raise SnapshotNotTrusted(
            f"{what} was refused: its connection {conn_id!r} is not as wfo published it: {reason}; "
            f"{REPUBLISH_HINT}"
        ) from None


def load_group_snapshot(name: str | None = None) -> dict[str, Any]:
    """The published snapshot of the config group `name` (the default group when None).

    For task processes and notebook kernels: reads only Airflow connections, never our tables.
    Raises `GroupNotPublished` when the group (or, for the default, the index) is not published, and its
    subclass `SnapshotNotTrusted` when a connection is not exactly what wfo signed for it.
    """
    if name is None:
        name = _connection_extra(INDEX_CONN_ID, "the index of config groups").get("default")
        if not name:
            raise GroupNotPublished("no config group is marked as the default")
    snapshot = _connection_extra(conn_id_for(name), f"config group {name!r}")
    if snapshot.get("name") != name:
        # Unreachable with a valid signature (it binds the connection id); kept as a second lock.
        raise SnapshotNotTrusted(
            f"config group {name!r} was refused: its connection holds another group; {REPUBLISH_HINT}"
        )
    if snapshot.get("format") != SNAPSHOT_FORMAT:
        raise GroupNotPublished(
            f"the connection of config group {name!r} holds format {snapshot.get('format')!r}, "
            f"expected {SNAPSHOT_FORMAT}; upgrade wfo on this worker"
        )
    _mask_secrets(snapshot)
    return snapshot


def _mask_secrets(snapshot: dict[str, Any]) -> None:
    """Keep Livy passwords and keytab bytes out of task logs."""
    from airflow.sdk.log import mask_secret

    for endpoint in (snapshot.get("livy") or {}).values():
        if isinstance(endpoint, dict) and endpoint.get("password"):
            mask_secret(endpoint["password"])
    for encoded in (snapshot.get("keytabs") or {}).values():
        if encoded:
            mask_secret(encoded)
    engine = snapshot.get("spark_engine")
    if isinstance(engine, dict) and engine.get("token"):
        mask_secret(engine["token"])
