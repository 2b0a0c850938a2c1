"""audit action names: <object>[.<part>].<verb>, the object singular

Revision ID: 7d1e0a3c5b92
Revises: 2b9c24965bc2
Create Date: 2026-12-02 16:40:00.000000

Existing audit events get the names the declarative audit (wfo.plugin.audit) records from now on, so a
filter by action finds old and new events alike. Data only; the schema is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7d1e0a3c5b92'
down_revision = '2b9c24965bc2'
branch_labels = None
depends_on = None

# old action -> (new action, new object type or None to keep it)
RENAMES = {
    "dag_files.save": ("dag_file.save", None),
    "dag_files.restore": ("dag_file.restore", None),
    "dag_files.delete": ("dag_file.delete", None),
    "dag_files.upload": ("dag_file.upload", None),
    "dag_files.import": ("dag_file.import", None),
    "visualisations.update": ("visualisation.update", "visualisation"),
    "config_group.default": ("config_group.set_default", None),
    "config_group.hadoop.edit": ("config_group.hadoop.update", None),
    "code_bricks.create": ("code_brick.create", None),
    "code_bricks.update": ("code_brick.update", None),
    "code_bricks.delete": ("code_brick.delete", None),
}

_events = sa.table(
    "wfo_audit_event", sa.column("action", sa.String), sa.column("object_type", sa.String)
)


def upgrade() -> None:
    for old, (new, object_type) in RENAMES.items():
        values: dict[str, str] = {"action": new}
        if object_type is not None:
            values["object_type"] = object_type
        op.execute(_events.update().where(_events.c.action == old).values(**values))


def downgrade() -> None:
    for old, (new, object_type) in RENAMES.items():
        values: dict[str, str] = {"action": old}
        if object_type is not None:
            values["object_type"] = "dashboard"
        op.execute(_events.update().where(_events.c.action == new).values(**values))
