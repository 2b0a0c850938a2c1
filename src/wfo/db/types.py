"""Column types shared by wfo's models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import TIMESTAMP
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime that is always stored and returned in UTC.

    PostgreSQL keeps the offset (`timestamptz`); SQLite and MySQL do not, so values are normalised to UTC
    before they are written and re-labelled as UTC when read. Naive datetimes are rejected rather than
    guessed at, because a wrong guess silently shifts audit timestamps by hours.
    """

    impl = TIMESTAMP(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # MySQL's TIMESTAMP ends in 2038 and drops microseconds; DATETIME(6) is what Airflow uses there too.
        if dialect.name == "mysql":
            return mysql.DATETIME(fsp=6)
        return self.impl_instance

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        utc = value.astimezone(dt.UTC)
        # Backends without offsets would otherwise store the local wall-clock time of the driver.
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (the default of every timestamp column)."""
    return dt.datetime.now(dt.UTC)
