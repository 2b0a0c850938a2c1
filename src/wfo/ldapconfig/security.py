"""FAB's security manager with LDAP first, then the local password, on the login page too.

Under AUTH_LDAP, FAB's login page checks LDAP only, while Airflow's own token endpoint (`POST /auth/token`)
already tries LDAP and then the local password. wfo makes the page do the same, so the local admin that
`wfo up` created keeps logging in when the directory is unreachable or its settings are wrong (docs/ldap.md).
Accounts FAB registers for LDAP users have no usable local password (FAB stores the hash of an empty one,
and an empty password is never tried here).
"""

from __future__ import annotations

from typing import Any

from airflow.providers.fab.auth_manager.security_manager.override import FabAirflowSecurityManagerOverride


class LdapThenLocalSecurityManager(FabAirflowSecurityManagerOverride):
    def auth_user_ldap(self, username: Any, password: Any, rotate_session_id: bool = True) -> Any:
        user = super().auth_user_ldap(username, password, rotate_session_id=rotate_session_id)
        if user is None and password:
            user = self.auth_user_db(username, password, rotate_session_id=rotate_session_id)
        return user
