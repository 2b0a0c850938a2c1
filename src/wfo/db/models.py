"""SQLAlchemy models of wfo's tables in the Airflow metadata database.

They live on wfo's own `MetaData` (not Airflow's `Base`) so that our Alembic history, version table and
`airflow db reset` handling stay separate from Airflow's; nothing here references Airflow's tables.
Every table name starts with `wfo_`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
    # Dotted "<area>.<verb>", e.g. "visualisations.update".
    action: Mapped[str] = mapped_column(String(128), index=True)
    object_type: Mapped[str] = mapped_column(String(128))
    object_id: Mapped[str | None] = mapped_column(String(512))
    # "success" | "failure" | "denied"
    outcome: Mapped[str] = mapped_column(String(32))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    # none_as_null: a missing payload is SQL NULL, not the JSON literal `null`.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Setting(Base):
    """A platform setting changed at runtime through the UI; `value` is JSON-encoded text."""

    __tablename__ = "wfo_setting"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
