"""The declarative permission table."""

from __future__ import annotations

from wfo.auth import roles


def test_every_role_that_sees_a_page_can_read_plugins() -> None:
    for role in roles.ALL_ROLES:
        perms = roles.role_permissions(role)
        if any(res in roles.OUR_RESOURCES for _, res in perms):
            assert ("can_read", "Plugins") in perms and ("menu_access", "Plugins") in perms


def test_public_sees_nothing_of_ours() -> None:
    assert roles.role_permissions(roles.PUBLIC) == set()


def test_only_admin_edits_the_dashboard_link() -> None:
    assert roles.roles_allowed(roles.VISUALISATIONS, roles.CAN_EDIT) == {roles.ADMIN}
    assert roles.roles_allowed(roles.AUDIT_LOG, roles.CAN_READ) == {roles.ADMIN, roles.OP}
