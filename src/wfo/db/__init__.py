"""wfo's own tables in the Airflow metadata database: models, Alembic migrations and the DB manager.

Only the models are exported here; the DB manager (`wfo.db.manager.WfoDBManager`) imports Airflow and is
loaded by Airflow itself when it runs `airflow db migrate`.
"""

from __future__ import annotations

from wfo.db.models import AuditEvent, Base, ConfigGroup, ConfigGroupFile, LoginFailure, Setting, metadata

__all__ = ["AuditEvent", "Base", "ConfigGroup", "ConfigGroupFile", "LoginFailure", "Setting", "metadata"]
