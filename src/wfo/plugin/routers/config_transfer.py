"""The manual's configs import/export: `GET/POST /api/configs/` (Bearer tokens only).

Mounted by `wfo.plugin.compat`. The manual shows the export as a POST; that is a typo: export is GET.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.responses import Response

from wfo.audit.service import Outcome, record, record_separately
from wfo.auth import roles
from wfo.clusters import spark_section, transfer
from wfo.clusters.errors import ChangeForbidden, ConfigGroupError
from wfo.clusters.secrets import SecretsError
from wfo.plugin.deps import CurrentUser, is_allowed, require
from wfo.plugin.routers.files import form_flag, multipart_body, multipart_form, uploads_of

compat_router = APIRouter(tags=["import/export"])
ACTION_EXPORT, ACTION_IMPORT, OBJECT = "config_group.export", "config_group.import", "config_group"
BearerCanRead = Annotated[
    CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_READ, bearer_only=True))
]
BearerCanCreate = Annotated[
    CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_CREATE, bearer_only=True))
]
ArchiveForm = Annotated[FormData, Depends(multipart_form(int(transfer.IMPORT_LIMITS.max_total_bytes)))]
_IMPORT_BODY = multipart_body(
    {
        "sources": {"type": "string", "format": "binary", "description": "tar.gz from GET /api/configs/"},
        "dry_run": {"type": "boolean", "description": "report what would change, change nothing"},
    },
    ["sources"],
)


@compat_router.get("/", response_class=FileResponse)
def export_configs(
    current: BearerCanRead,
    session: SessionDep,
    include_secrets: Annotated[bool, Query(description="keytabs and Livy passwords (Admin only)")] = False,
) -> Response:
    """A tar.gz of every config group: Hadoop XML, Spark arguments/confs, Kerberos, Livy."""
    if include_secrets and not is_allowed(current.user, roles.CONFIG_GROUP_SECRETS, roles.CAN_READ):
        record_separately(current.actor, ACTION_EXPORT, OBJECT, None, "denied", {"include_secrets": True})
        raise HTTPException(403, detail="only an Admin may export keytabs and passwords (include_secrets)")
    handle = tempfile.NamedTemporaryFile(prefix="wfo-configs-", suffix=".tar.gz", delete=False)
    try:
        with handle:
            names = transfer.export_groups(session, handle, include_secrets=include_secrets)  # type: ignore[arg-type]
    except BaseException:
        os.unlink(handle.name)
        raise
    if include_secrets:
        # Secrets leaving the platform are worth an audit event; plain exports are reads.
        record(
            session,
            current.actor,
            ACTION_EXPORT,
            OBJECT,
            None,
            "success",
            {"groups": names, "include_secrets": True},
        )
    return FileResponse(
        handle.name,
        media_type="application/gzip",
        filename="configs.tar.gz",
        background=BackgroundTask(os.unlink, handle.name),
    )


@compat_router.post("/", openapi_extra=_IMPORT_BODY)
def import_configs(
    current: BearerCanCreate,
    form: ArchiveForm,
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
) -> Response:
    """Restore config groups from `GET /api/configs/`: all of the archive or nothing."""
    sources = uploads_of(form, "sources")
    if len(sources) != 1:
        raise HTTPException(422, detail="send exactly one archive in the form field `sources`")
    dry_run = dry_run or form_flag(form, "dry_run")
    try:
        report = transfer.import_groups(
            session,
            sources[0].stream,
            dry_run=dry_run,
            username=current.username,
            may=lambda resource, action: is_allowed(current.user, resource, action),
            dependencies=spark_section.dependency_names(),
        )
    except (ConfigGroupError, SecretsError) as exc:
        # Nothing of a refused import is kept; ending the transaction releases the write lock an applied
        # group may hold (SQLite), which the separate audit write would otherwise wait for.
        session.rollback()
        outcome: Outcome = "denied" if isinstance(exc, ChangeForbidden) else "failure"
        record_separately(
            current.actor,
            ACTION_IMPORT,
            OBJECT,
            None,
            outcome,
            {"archive": sources[0].filename, "error": str(exc)},
        )
        raise HTTPException(403 if isinstance(exc, ChangeForbidden) else 422, detail=str(exc)) from None
    if not dry_run:
        record(session, current.actor, ACTION_IMPORT, OBJECT, None, "success", report.as_dict())
    return JSONResponse(report.as_dict())
