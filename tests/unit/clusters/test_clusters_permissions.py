"""What each role may change in config groups, as the services see it (`Permissions`), from the real grants."""

from __future__ import annotations

import pytest

from wfo.auth import roles
from wfo.clusters.errors import ChangeForbidden
from wfo.clusters.permissions import Permissions


def _of(role: str) -> Permissions:
    return Permissions.of(lambda resource, action: action in roles.GRANTS[role].get(resource, ()))


@pytest.mark.parametrize(
    ("role", "cluster", "code", "secrets"),
    [
        (roles.ADMIN, True, True, True),
        (roles.OP, True, False, False),
        (roles.DEVELOPER, False, True, False),
        (roles.USER, False, False, False),
        (roles.VIEWER, False, False, False),
        (roles.PUBLIC, False, False, False),
    ],
)
def test_each_role_gets_the_rights_of_its_grants(role: str, cluster: bool, code: bool, secrets: bool) -> None:
    assert _of(role) == Permissions(can_edit_cluster=cluster, can_edit_code=code, can_export_secrets=secrets)


def test_code_changes_need_the_code_right_and_nothing_else_does() -> None:
    op, developer = _of(roles.OP), _of(roles.DEVELOPER)
    with pytest.raises(ChangeForbidden, match="^needs code$") as refused:
        op.check_code(["spark.plugins"], "needs code")
    assert refused.value.status == 403
    op.check_code([], "never raised: nothing changed")
    developer.check_code(["spark.plugins"], "never raised")
    with pytest.raises(ChangeForbidden, match="needs cluster"):
        developer.check_cluster(True, "needs cluster")
    developer.check_cluster(False, "never raised")
    op.check_cluster(True, "never raised")


def test_a_caller_with_neither_right_is_refused_even_a_change_of_nothing() -> None:
    with pytest.raises(ChangeForbidden, match="not yours"):
        _of(roles.VIEWER).check_any("not yours")
    _of(roles.OP).check_any("never raised")
    _of(roles.DEVELOPER).check_any("never raised")
