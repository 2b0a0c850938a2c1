"""The manual's configs import/export: `GET/POST /api/configs/` (Bearer tokens only).

Mounted by `wfo.plugin.compat`. The manual shows the export as a POST; that is a typo: export is GET.
"""

from __future__ import annotations

from typing import Annotated, BinaryIO

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.datastructures import FormData

from wfo.auth import roles
from wfo.clusters import transfer, transfer_import
from wfo.clusters.permissions import Permissions
from wfo.clusters.schemas import ImportReport
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, require
from wfo.plugin.downloads import tar_gz_response
from wfo.plugin.errors import errors
from wfo.plugin.routers.config_groups import permissions_of
from wfo.plugin.uploads import form_flag, multipart_body, multipart_form, one_archive

compat_router = APIRouter(tags=["import/export"])
_read = require(roles.CONFIG_GROUPS, roles.CAN_READ, bearer_only=True)
_create = require(roles.CONFIG_GROUPS, roles.CAN_CREATE, bearer_only=True)
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
    _: Annotated[CurrentUser, Depends(_read)],
    permissions: Annotated[Permissions, Depends(permissions_of(_read))],
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("config_group.export")],
    include_secrets: Annotated[bool, Query(description="keytabs and Livy passwords (Admin only)")] = False,
) -> FileResponse:
    """A tar.gz of every config group: Hadoop XML, Spark arguments/confs, Kerberos, Livy, runtime."""
    # Secrets leaving the platform are worth an audit event; plain exports are reads.
    if include_secrets:
        audit.details = {"include_secrets": True}
    else:
        audit.skip()

    def write(out: BinaryIO) -> None:
        audit.details["groups"] = transfer.export_groups(
            session, out, include_secrets=include_secrets, permissions=permissions
        )

    return tar_gz_response(write, "wfo-configs-", "configs.tar.gz")


@compat_router.post("/", openapi_extra=_IMPORT_BODY, responses=errors(400, 409, 413, 415))
def import_configs(
    current: Annotated[CurrentUser, Depends(_create)],
    permissions: Annotated[Permissions, Depends(permissions_of(_create))],
    form: ArchiveForm,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("config_group.import")],
    dry_run: Annotated[bool, Query(description="the same as the form field `dry_run`")] = False,
) -> ImportReport:
    """Restore config groups from `GET /api/configs/`: all of the archive or nothing.

    Every group is reported (`created`, `updated`, `unchanged`; `rejected` and `held_back` when refused:
    422 with the report next to `detail`). Groups equal to the archive are not touched. A dry run
    answers what the import would answer and changes nothing.
    """
    archive = one_archive(form)
    audit.details = {"archive": archive.filename[:200]}
    dry_run = dry_run or form_flag(form, "dry_run")
    report = transfer_import.import_groups(
        session, archive.stream, dry_run=dry_run, username=current.username, permissions=permissions
    )
    if dry_run:
        audit.skip()
    else:
        audit.details = report.model_dump()
    return report
