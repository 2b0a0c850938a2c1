"""SQLAlchemy models of wfo's tables in the Airflow metadata database.

They live on wfo's own `MetaData` (not Airflow's `Base`) so that our Alembic history, version table and
`airflow db reset` handling stay separate from Airflow's; nothing here references Airflow's tables.
Every table name starts with `wfo_`; foreign keys only point at our own tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wfo.db.types import UtcDateTime, utcnow

# Deterministic constraint/index names: SQLite batch migrations can only alter constraints that have names,
# and autogenerate then produces the same names on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base of all wfo models."""

    metadata = metadata


class AuditEvent(Base):
    """One user action that changed (or tried to change) something, kept for the audit log."""

    __tablename__ = "wfo_audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(256), index=True)
    # Dotted "<object>[.<part>].<verb>", e.g. "visualisation.update" (wfo.plugin.audit).
    action: Mapped[str] = mapped_column(String(128), index=True)
    object_type: Mapped[str] = mapped_column(String(128))
    object_id: Mapped[str | None] = mapped_column(String(512))
    # "success" | "failure" | "denied"
    outcome: Mapped[str] = mapped_column(String(32))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    # none_as_null: a missing payload is SQL NULL, not the JSON literal `null`.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class LoginFailure(Base):
    """One failed login, counted against a user name or a source address while it is in the window.

    A failure is two rows (kind "user" and kind "ip"): a successful login clears only its user's rows,
    so an attacker cannot reset the per-address count by logging in to an account of their own.
    """

    __tablename__ = "wfo_login_failure"
    __table_args__ = (Index("ix_wfo_login_failure_kind_key_created_at", "kind", "key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "user" (lower-cased user name) | "ip"
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class Setting(Base):
    """A platform setting changed at runtime through the UI; `value` is JSON-encoded text."""

    __tablename__ = "wfo_setting"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


# Up to the 4 MiB XML limit and beyond on MySQL (a plain BLOB stops at 64 KiB).
_FileContent = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")


class ConfigGroup(Base):
    """A cluster config group: the Spark, Hadoop, Kerberos and Livy settings a job runs with.

    Files (Hadoop XML, krb5.conf, keytabs) are rows of `ConfigGroupFile`. Livy passwords live only in
    `livy_secrets`, Fernet-encrypted JSON; `livy` holds the rest.
    """

    __tablename__ = "wfo_config_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    spark_home: Mapped[str | None] = mapped_column(String(1024))
    spark_arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    spark_confs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kerberos_principal: Mapped[str | None] = mapped_column(String(256))
    # Name of one of the group's keytab files.
    kerberos_keytab: Mapped[str | None] = mapped_column(String(255))
    livy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    livy_secrets: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Where Python code runs: {"dask": {...}, "python_environments": {name: interpreter path}}
    # (see wfo.clusters.runtime_section). Interpreter paths are code settings: Developer/Admin only.
    runtime: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(256))

    files: Mapped[list[ConfigGroupFile]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin"
    )


class ConfigGroupFile(Base):
    """One file of a config group: a Hadoop XML file, the krb5.conf, or a keytab (stored encrypted)."""

    __tablename__ = "wfo_config_group_file"
    __table_args__ = (UniqueConstraint("group_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("wfo_config_group.id", ondelete="CASCADE"), index=True)
    # "hadoop" | "krb5" | "keytab"
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    # Keytabs: Fernet token of the keytab bytes; everything else: the bytes as uploaded or rewritten.
    content: Mapped[bytes] = mapped_column(_FileContent)
    # Size of the plain content (what the user uploaded), not of the stored token.
    size: Mapped[int] = mapped_column(Integer)
    modified: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    group: Mapped[ConfigGroup] = relationship(back_populates="files")


class CodeBrick(Base):
    """A reusable code snippet of the DAG editor's brick library (title, description, code)."""

    __tablename__ = "wfo_code_brick"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(Text)
    # Comma-separated search tags, e.g. "spark,pyspark".
    tags: Mapped[str] = mapped_column(String(512), default="")
    # True for the bricks wfo ships (seeded on start; a user's edit turns it False and is kept).
    shipped: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(256))


class SlaMiss(Base):
    """A task instance that had not succeeded within its `sla` of the DAG run's start (wfo.sla), or a
    missed DAG-level deadline alert of Airflow's (`kind` "deadline", no task).

    Recorded once per (DAG, run, task) by the sla-monitor component; `dag_id`/`run_id` name Airflow's
    rows by value (no foreign key into Airflow's tables).
    """

    __tablename__ = "wfo_sla_miss"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id"),
        Index("ix_wfo_sla_miss_dag_id_detected_at", "dag_id", "detected_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "task" (a task's sla=) | "deadline" (an Airflow deadline alert of the DAG run; task_id is "")
    kind: Mapped[str] = mapped_column(String(16), default="task")
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    sla_seconds: Mapped[float] = mapped_column(Float)
    # The DAG run's start_date (the reference point of the SLA).
    run_started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expected_by: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    detected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    # The task instance's state when the miss was detected (None: not scheduled yet).
    state_at_detection: Mapped[str | None] = mapped_column(String(32))
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    # What was done to notify (e-mail recipients, callback outcome), for the page.
    notification: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    note_updated_by: Mapped[str | None] = mapped_column(String(256))
    note_updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class EdaSource(Base):
    """A data source saved on the EDA page (wfo.eda): its source string, as `POST /eda/runs` takes it."""

    __tablename__ = "wfo_eda_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # 500: a unique index must fit MySQL's 3072-byte key limit in utf8mb4.
    source: Mapped[str] = mapped_column(String(500), unique=True)
    # A target column remembered for its "Data importance" link.
    target: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(256))


class NotebookGitConfig(Base):
    """A user's git remote for their notebook folder (wfo.hub.git_config); the credential is a Fernet token."""

    __tablename__ = "wfo_notebook_git_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(256), unique=True)
    remote_url: Mapped[str] = mapped_column(String(2000))
    branch: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str] = mapped_column(String(256))
    author_email: Mapped[str] = mapped_column(String(320))
    # "token" (HTTPS, with `token_user`) or "ssh_key"; None: the remote needs no credential.
    credential_kind: Mapped[str | None] = mapped_column(String(16))
    token_user: Mapped[str | None] = mapped_column(String(256))
    credential: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
