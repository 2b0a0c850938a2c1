"""The declarative permission table of wfo: role → our resource → FAB actions.

One resource per feature area. `wfo up` applies this table before the api-server starts
(`wfo.cli.initialize`), and our routes check the same names (`wfo.plugin.deps`). Adding a feature
area means adding a resource here and its grants; nothing else registers permissions.
"""

from __future__ import annotations

from typing import Final

CAN_READ: Final = "can_read"
CAN_EDIT: Final = "can_edit"
CAN_CREATE: Final = "can_create"
CAN_DELETE: Final = "can_delete"
CAN_ACCESS_MENU: Final = "menu_access"

# Our resources (FAB "view menus"), named like Airflow's own ("DAG Runs", "Audit Logs").
AUDIT_LOG: Final = "WFO Audit Log"
VISUALISATIONS: Final = "WFO Visualisations"
CONFIG_GROUPS: Final = "WFO Config Groups"
# Settings of a config group that change what code runs (jars, py-files, Python paths,
# *.extraJavaOptions, spark.pyspark.python, the Spark distribution): code, so Developer/Admin only.
CLUSTER_CODE_SETTINGS: Final = "WFO Cluster Code Settings"
# Keytabs and Livy passwords in a configs export (`GET /api/configs/?include_secrets=true`): Admin only.
CONFIG_GROUP_SECRETS: Final = "WFO Config Group Secrets"
SPARK_DEPENDENCIES: Final = "WFO Spark Dependencies"
CODE_ARTIFACTS: Final = "WFO Code Artifacts"
# The DAGs folder: reading code is like Airflow's Code view; writing it means running code on workers.
DAG_FILES: Final = "WFO DAG Files"
CODE_BRICKS: Final = "WFO Code Bricks"
# Writing, through Airflow's own connections API, a connection wfo manages (published config groups, their
# index, the object store's connection): Admin only (wfo.plugin.guards.connections).
PUBLISHED_CONNECTIONS: Final = "WFO Published Connections"

# Task SLA misses (wfo.sla): read by roles that read DAGs (each sees only DAGs Airflow lets them read);
# the note ("analyzed and documented") written by roles that work on DAG runs.
SLA_MISSES: Final = "WFO SLA Misses"

# Exploratory data analysis (wfo.eda, the manual's Developer menu): a run reads whatever data the workers can
# (data folders, the object store, tables through connections), so Developer/Admin only.
EDA: Final = "WFO EDA"

# The notebook hub and the Notebooks page (wfo.hub, the manual's "Jupyter Notebook" in the Developer menu):
# kernels run any code with the platform's access, so Developer/Admin only; the hub checks the same grant.
NOTEBOOKS: Final = "WFO Notebooks"

# Models and datasets (wfo.serving, the manual's Developer menu): a .mar's handler is code, so Developer/Admin
# upload and delete; every role reads. Marking a model public (its serving routes without a token): Admin only.
MODELS: Final = "WFO Models"
PUBLIC_MODELS: Final = "WFO Public Models"

# Spark's own web UI of wfo's Spark Connect server (`/wfo/spark-ui/`, wfo.sparkconnect.ui): it shows every
# session's queries, plans and data samples, so Developer/Admin only (those who may run Spark code anyway).
SPARK_UI: Final = "WFO Spark UI"

# The login settings (wfo.ldapconfig, the manual's "LDAP Configuration"): who can log in and with which role,
# and a bind password sent to the directory. Admin only.
LDAP_CONFIG: Final = "WFO LDAP Configuration"

# The roles FAB ships, plus ours.
ADMIN, OP, USER, VIEWER, PUBLIC, DEVELOPER = "Admin", "Op", "User", "Viewer", "Public", "Developer"
ALL_ROLES: Final = (ADMIN, OP, DEVELOPER, USER, VIEWER, PUBLIC)

READ = (CAN_READ,)
READ_WRITE = (CAN_READ, CAN_EDIT, CAN_CREATE, CAN_DELETE)

# role -> resource -> actions. Roles not listed for a resource get nothing on it.
GRANTS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    ADMIN: {
        AUDIT_LOG: READ,
        VISUALISATIONS: (CAN_READ, CAN_EDIT),
        CONFIG_GROUPS: READ_WRITE,
        CLUSTER_CODE_SETTINGS: (CAN_READ, CAN_EDIT),
        CONFIG_GROUP_SECRETS: READ,
        PUBLISHED_CONNECTIONS: (CAN_EDIT,),
        SPARK_DEPENDENCIES: READ_WRITE,
        CODE_ARTIFACTS: READ_WRITE,
        DAG_FILES: READ_WRITE,
        CODE_BRICKS: READ_WRITE,
        SLA_MISSES: (CAN_READ, CAN_EDIT),
        EDA: READ_WRITE,
        MODELS: READ_WRITE,
        PUBLIC_MODELS: (CAN_EDIT,),
        NOTEBOOKS: READ_WRITE,
        SPARK_UI: READ,
        LDAP_CONFIG: (CAN_READ, CAN_EDIT),
    },
    OP: {
        AUDIT_LOG: READ,
        VISUALISATIONS: READ,
        CONFIG_GROUPS: READ_WRITE,
        CLUSTER_CODE_SETTINGS: READ,
        SPARK_DEPENDENCIES: READ,
        CODE_ARTIFACTS: READ,
        DAG_FILES: READ,
        CODE_BRICKS: READ,
        SLA_MISSES: (CAN_READ, CAN_EDIT),
        MODELS: READ,
    },
    DEVELOPER: {
        VISUALISATIONS: READ,
        CONFIG_GROUPS: READ,
        CLUSTER_CODE_SETTINGS: (CAN_READ, CAN_EDIT),
        SPARK_DEPENDENCIES: READ_WRITE,
        CODE_ARTIFACTS: READ_WRITE,
        DAG_FILES: READ_WRITE,
        CODE_BRICKS: READ_WRITE,
        SLA_MISSES: (CAN_READ, CAN_EDIT),
        EDA: READ_WRITE,
        MODELS: READ_WRITE,
        NOTEBOOKS: READ_WRITE,
        SPARK_UI: READ,
    },
    USER: {
        VISUALISATIONS: READ,
        CONFIG_GROUPS: READ,
        CLUSTER_CODE_SETTINGS: READ,
        SPARK_DEPENDENCIES: READ,
        CODE_ARTIFACTS: READ,
        DAG_FILES: READ,
        CODE_BRICKS: READ,
        SLA_MISSES: (CAN_READ, CAN_EDIT),
        MODELS: READ,
    },
    VIEWER: {
        VISUALISATIONS: READ,
        CONFIG_GROUPS: READ,
        CLUSTER_CODE_SETTINGS: READ,
        SPARK_DEPENDENCIES: READ,
        CODE_ARTIFACTS: READ,
        DAG_FILES: READ,
        CODE_BRICKS: READ,
        SLA_MISSES: READ,
        MODELS: READ,
    },
    PUBLIC: {},
}

# Airflow hides plugin menus from roles that cannot read "Plugins": every role that sees our
# pages gets it (FAB grants it only to Op and Admin).
PLUGIN_RESOURCE: Final = "Plugins"
PLUGIN_GRANTS: Final = ((CAN_READ, PLUGIN_RESOURCE), (CAN_ACCESS_MENU, PLUGIN_RESOURCE))

OUR_RESOURCES: Final = frozenset(res for grants in GRANTS.values() for res in grants)


def role_permissions(role: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of ours that `role` must hold, Plugins access included."""
    pairs = {(action, resource) for resource, actions in GRANTS.get(role, {}).items() for action in actions}
    if pairs:
        pairs.update(PLUGIN_GRANTS)
    return pairs


def roles_allowed(resource: str, action: str) -> set[str]:
    """The roles granted `action` on `resource` (for docs and the role × route test)."""
    return {role for role, grants in GRANTS.items() if action in grants.get(resource, ())}
