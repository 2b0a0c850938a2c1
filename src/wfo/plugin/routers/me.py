"""`/me`: who the caller is and what they may do in wfo (the UI shows pages and controls from it)."""

from __future__ import annotations

from fastapi import APIRouter

from wfo.auth import roles
from wfo.plugin.deps import Authenticated, is_allowed
from wfo.plugin.schemas.me import MePublic

router = APIRouter(tags=["me"])
_ACTIONS = (roles.CAN_READ, roles.CAN_EDIT, roles.CAN_CREATE, roles.CAN_DELETE)


@router.get("/me")
def read_me(current: Authenticated) -> MePublic:
    permissions = {
        resource: [action for action in _ACTIONS if is_allowed(current.user, resource, action)]
        for resource in sorted(roles.OUR_RESOURCES)
    }
    role_names = sorted(str(getattr(r, "name", r)) for r in getattr(current.user, "roles", []) or [])
    return MePublic(
        username=current.username,
        roles=role_names,
        permissions={res: acts for res, acts in permissions.items() if acts},
    )
