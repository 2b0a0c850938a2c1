"""published connection type: wfo-config-group (a URI scheme without "_", RFC 3986)

Revision ID: ae8294e4bc69
Revises: 7d1e0a3c5b92
Create Date: 2026-12-03 10:00:00.000000

The connections wfo publishes for its config groups (`wfo_config_group_<name>`, the index
`wfo_config_groups`) change type from `wfo_config_group`, about which Airflow warned each time it turned
one into a URI, to `wfo-config-group`. Data only, in Airflow's `connection` table (which Airflow's own
migrations create before ours run); our schema is unchanged. The signatures cover the connection id and the
content, not the type, so converted connections stay valid. `wfo up` also converts on every start
(`wfo.clusters.published.publish_all`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'ae8294e4bc69'
down_revision = '7d1e0a3c5b92'
branch_labels = None
depends_on = None

OLD_TYPE = "wfo_config_group"
NEW_TYPE = "wfo-config-group"

_connections = sa.table("connection", sa.column("conn_type", sa.String))


def _has_connection_table() -> bool:
    # Offline (SQL printed, not run) there is nothing to inspect: a real metadata DB has the table.
    if op.get_context().as_sql:
        return True
    return "connection" in sa.inspect(op.get_bind()).get_table_names()


def _retype(old: str, new: str) -> None:
    if _has_connection_table():
        op.execute(_connections.update().where(_connections.c.conn_type == old).values(conn_type=new))


def upgrade() -> None:
    _retype(OLD_TYPE, NEW_TYPE)


def downgrade() -> None:
    _retype(NEW_TYPE, OLD_TYPE)
