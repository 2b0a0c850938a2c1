"""What a caller may change in config groups, decided once per request and handed to the services.

The route's auth dependency lets in anyone who may change *something* the route touches; which
permission a particular change needs depends on what it changes (DESIGN §5, §9), and only the
service knows that: tuning and cluster settings need `WFO Config Groups` can_edit (Op, Admin),
settings that decide what code runs need `WFO Cluster Code Settings` can_edit (Developer, Admin).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wfo.auth import roles
from wfo.clusters.errors import ChangeForbidden

CODE_RIGHT = f"{roles.CAN_EDIT} on {roles.CLUSTER_CODE_SETTINGS} (Developer or Admin)"
CLUSTER_RIGHT = f"{roles.CAN_EDIT} on {roles.CONFIG_GROUPS} (Op or Admin)"


@dataclass(frozen=True)
class Permissions:
    """The caller's rights over config groups (a request's, or the init step's: everything)."""

    can_edit_cluster: bool
    can_edit_code: bool
    can_export_secrets: bool = False

    @classmethod
    def of(cls, holds: Callable[[str, str], bool]) -> Permissions:
        """From the caller's grants: `holds(resource, action)` says whether they have one."""
        return cls(
            can_edit_cluster=holds(roles.CONFIG_GROUPS, roles.CAN_EDIT),
            can_edit_code=holds(roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT),
            can_export_secrets=holds(roles.CONFIG_GROUP_SECRETS, roles.CAN_READ),
        )

    def check_code(self, changes: Sequence[str], refusal: str) -> None:
        """Refuse (with `refusal`) when `changes` to code settings are made without the right to."""
        if changes and not self.can_edit_code:
            raise ChangeForbidden(refusal)

    def check_cluster(self, changed: bool, refusal: str) -> None:
        """Refuse (with `refusal`) a change of cluster settings made without the right to."""
        if changed and not self.can_edit_cluster:
            raise ChangeForbidden(refusal)

    def check_any(self, refusal: str) -> None:
        """Refuse a request from a caller who may change neither kind of setting."""
        if not (self.can_edit_cluster or self.can_edit_code):
            raise ChangeForbidden(refusal)
