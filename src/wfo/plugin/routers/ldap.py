"""`/ldap`: the LDAP login settings (the manual's "LDAP Configuration"), their connection test; Admin only."""

from __future__ import annotations

from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends

from wfo.auth import roles
from wfo.ldapconfig import service
from wfo.ldapconfig.schemas import (
    LdapSaveResult,
    LdapSettingsPublic,
    LdapSettingsUpdate,
    LdapTestRequest,
    LdapTestResult,
)
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.errors import errors
from wfo.settings import get_settings

router = APIRouter(prefix="/ldap", tags=["ldap"])

CanRead = Annotated[CurrentUser, Depends(require(roles.LDAP_CONFIG, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.LDAP_CONFIG, roles.CAN_EDIT))]


@router.get("")
def read_settings(_: CanRead) -> LdapSettingsPublic:
    """The saved settings; the bind password is never returned (`bind_password_set` says if one is stored)."""
    return service.get_settings(get_settings().home)


@router.put("", responses=errors(409))
def save_settings(
    body: LdapSettingsUpdate,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("ldap_config.update")],
) -> LdapSaveResult:
    """Save (422 with the reason for a bad setting, or LDAP settings whose connection test fails without
    `force`; 409 when webserver_config.py no longer loads these settings); when what FAB reads changed, the
    api-server restarts (`api_server_restart`), nothing else."""
    result, details = service.save(session, get_settings().home, body, current.username)
    audit.object_id, audit.details = result.settings.auth_type, details
    return result


@router.post("/test")
def test_settings(
    body: LdapTestRequest,
    session: SessionDep,
    _: CanEdit,
    audit: Annotated[AuditRecord, audited("ldap_config.test")],
) -> LdapTestResult:
    """Test the form's settings (not saved): connect, bind, find `username`, their groups and roles. A failed
    test is an answer with `ok: false` and the reason; a malformed setting is a 422."""
    result = service.test(session, get_settings().home, body)
    audit.object_id = body.settings.server[:200]
    audit.details = {"username": body.username, "ok": result.ok, "message": result.message}
    return result
