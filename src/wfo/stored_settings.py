"""Settings kept in the metadata DB and changed at run time through the UI (table `wfo_setting`, JSON).

Not to be confused with `wfo.settings`: those are the instance's configuration (`WFO_*`, airflow.cfg),
read once per process.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from wfo.db.models import Setting


def get_setting(session: Session, key: str) -> Setting | None:
    return session.get(Setting, key)


def put_setting(session: Session, key: str, value: Any, updated_by: str) -> Setting:
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value = json.dumps(value)
    row.updated_by = updated_by
    row.updated_at = datetime.now(UTC)
    session.flush()
    return row


def setting_value(row: Setting | None) -> Any:
    return json.loads(row.value) if row is not None and row.value is not None else None
