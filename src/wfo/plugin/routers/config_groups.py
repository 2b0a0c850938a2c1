"""`/config-groups`: cluster config groups and their Hadoop, Spark, Kerberos, Livy, runtime and Spark engine
sections.

Routes parse, look the group up, call one service and return its model; domain errors answer for
themselves (`wfo.plugin.errors`) and every change declares its audit action. Which permission a change
of a section needs (cluster or code settings) is the service's decision, from the caller's
`Permissions`; a route's guard only says who may try.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, Response
from starlette.datastructures import FormData

from wfo.auth import roles
from wfo.clusters import (
    groups,
    hadoop,
    kerberos_section,
    livy_section,
    runtime_section,
    spark_engine,
    spark_section,
)
from wfo.clusters.permissions import Permissions
from wfo.clusters.schemas import (
    GroupCreate,
    GroupDetail,
    GroupList,
    GroupRename,
    HadoopFileProperties,
    HadoopFiles,
    HadoopPropertiesUpdate,
    KerberosSection,
    KerberosUpdate,
    LivySection,
    LivyUpdate,
    RuntimeSection,
    SparkSection,
    SparkUpdate,
)
from wfo.clusters.spark_engine import SparkEngine, SparkEngineUpdate
from wfo.clusters.stored import get_group
from wfo.clusters.uploads import IncomingFile
from wfo.plugin.audit import AuditRecord, audited
from wfo.plugin.deps import CurrentUser, is_allowed, require, require_any
from wfo.plugin.downloads import attachment
from wfo.plugin.errors import errors
from wfo.plugin.uploads import multipart_body, multipart_form, uploads_of
from wfo.storage.limits import MiB

router = APIRouter(prefix="/config-groups", tags=["config groups"])

_read = require(roles.CONFIG_GROUPS, roles.CAN_READ)
_edit = require(roles.CONFIG_GROUPS, roles.CAN_EDIT)
_create = require(roles.CONFIG_GROUPS, roles.CAN_CREATE)
_delete = require(roles.CONFIG_GROUPS, roles.CAN_DELETE)
_edit_code = require(roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT)
# Sections where an Op changes cluster settings and a Developer code settings (Spark, krb5.conf).
_edit_either = require_any(
    (roles.CONFIG_GROUPS, roles.CAN_EDIT), (roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT)
)


def permissions_of(guard: Callable[..., Awaitable[CurrentUser]]) -> Callable[..., Awaitable[Permissions]]:
    """Dependency: what the caller `guard` let in may change in config groups (computed once)."""

    # `Depends` as the default: the annotation is resolved from this module, where `guard` is not a name.
    async def dependency(current: CurrentUser = Depends(guard)) -> Permissions:  # noqa: B008
        return Permissions.of(lambda resource, action: is_allowed(current.user, resource, action))

    return dependency


CanRead = Annotated[CurrentUser, Depends(_read)]
CanEdit = Annotated[CurrentUser, Depends(_edit)]
CanCreate = Annotated[CurrentUser, Depends(_create)]
CanDelete = Annotated[CurrentUser, Depends(_delete)]
CanEditCode = Annotated[CurrentUser, Depends(_edit_code)]
CanEditEither = Annotated[CurrentUser, Depends(_edit_either)]
EditPermissions = Annotated[Permissions, Depends(permissions_of(_edit))]
EditCodePermissions = Annotated[Permissions, Depends(permissions_of(_edit_code))]
EitherPermissions = Annotated[Permissions, Depends(permissions_of(_edit_either))]
# Parsed after the auth dependency (see wfo.plugin.uploads), so anonymous bodies are never read.
UploadForm = Annotated[FormData, Depends(multipart_form(64 * MiB))]
_FILES_BODY = multipart_body(
    {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"]
)
_UPLOAD_ERRORS = errors(400, 404, 409, 413, 415)


def _incoming(form: FormData) -> list[IncomingFile]:
    return [IncomingFile(u.filename, u.stream) for u in uploads_of(form, "files")]


# --- groups ----------------------------------------------------------------------------------------


@router.get("")
def list_groups(session: SessionDep, _: CanRead) -> GroupList:
    return groups.group_list(session)


@router.post("", status_code=201, responses=errors(409))
def create_group(
    body: GroupCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("config_group.create")],
) -> GroupDetail:
    audit.object_id = body.name[:200]
    return groups.detail(groups.create_group(session, body.name, current.username))


@router.get("/{group}", responses=errors(404))
def read_group(group: str, session: SessionDep, _: CanRead) -> GroupDetail:
    return groups.detail(get_group(session, group))


@router.patch("/{group}", responses=errors(404, 409))
def rename_group(
    group: str,
    body: GroupRename,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("config_group.rename", object_param="group")],
) -> GroupDetail:
    audit.details = {"from": group, "to": body.name[:200]}
    return groups.detail(groups.rename_group(session, group, body.name, current.username))


@router.post("/{group}/clone", status_code=201, responses=errors(404, 409))
def clone_group(
    group: str,
    body: GroupCreate,
    session: SessionDep,
    current: CanCreate,
    audit: Annotated[AuditRecord, audited("config_group.clone")],
) -> GroupDetail:
    audit.object_id, audit.details = body.name[:200], {"source": group}
    return groups.detail(groups.clone_group(session, group, body.name, current.username))


@router.post("/{group}/default", responses=errors(404))
def set_default(
    group: str,
    session: SessionDep,
    current: CanEdit,
    _: Annotated[AuditRecord, audited("config_group.set_default", object_param="group")],
) -> GroupDetail:
    return groups.detail(groups.set_default(session, group, current.username))


@router.delete("/{group}", status_code=204, responses=errors(404, 409))
def delete_group(
    group: str,
    session: SessionDep,
    _: CanDelete,
    audit: Annotated[AuditRecord, audited("config_group.delete", object_param="group")],
) -> Response:
    groups.delete_group(session, group)
    return Response(status_code=204)


# --- Hadoop ----------------------------------------------------------------------------------------


@router.get("/{group}/hadoop", responses=errors(404))
def list_hadoop_files(group: str, session: SessionDep, _: CanRead) -> HadoopFiles:
    return hadoop.hadoop_view(get_group(session, group))


@router.post("/{group}/hadoop", openapi_extra=_FILES_BODY, responses=_UPLOAD_ERRORS)
def upload_hadoop_files(
    group: str,
    current: CanEdit,
    permissions: EditPermissions,
    form: UploadForm,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("config_group.hadoop.upload", object_param="group")],
) -> HadoopFiles:
    target = get_group(session, group)
    saved = hadoop.upload_hadoop_files(session, target, _incoming(form), current.username, permissions)
    audit.details = saved.changes
    return saved.view


@router.get("/{group}/hadoop/{file}", responses=errors(404))
def read_hadoop_file(group: str, file: str, session: SessionDep, _: CanRead) -> HadoopFileProperties:
    return hadoop.read_properties(get_group(session, group), file)


@router.put("/{group}/hadoop/{file}", responses=errors(404, 409))
def update_hadoop_file(
    group: str,
    file: str,
    body: HadoopPropertiesUpdate,
    session: SessionDep,
    current: CanEdit,
    permissions: EditPermissions,
    audit: Annotated[AuditRecord, audited("config_group.hadoop.update", object_param="group")],
) -> HadoopFileProperties:
    audit.details = {"file": file[:200]}
    target = get_group(session, group)
    written = hadoop.write_properties(session, target, file, body.properties, current.username, permissions)
    audit.details["properties"] = len(written.properties)
    return written


@router.get("/{group}/hadoop/{file}/download", responses=errors(404))
def download_hadoop_file(group: str, file: str, session: SessionDep, _: CanRead) -> Response:
    stored = hadoop.hadoop_file(get_group(session, group), file)
    return Response(
        stored.content,
        media_type="application/xml",
        headers={"Content-Disposition": attachment(stored.name), "X-Content-Type-Options": "nosniff"},
    )


@router.delete("/{group}/hadoop/{file}", status_code=204, responses=errors(404, 409))
def delete_hadoop_file(
    group: str,
    file: str,
    session: SessionDep,
    current: CanEdit,
    permissions: EditPermissions,
    audit: Annotated[AuditRecord, audited("config_group.hadoop.delete", object_param="group")],
) -> Response:
    audit.details = {"file": file[:200]}
    hadoop.delete_hadoop_file(session, get_group(session, group), file, current.username, permissions)
    return Response(status_code=204)


# --- Spark -----------------------------------------------------------------------------------------


@router.get("/{group}/spark", responses=errors(404))
def read_spark(group: str, session: SessionDep, _: CanRead) -> SparkSection:
    return spark_section.spark_view(get_group(session, group))


@router.put("/{group}/spark", responses=errors(404, 409))
def update_spark(
    group: str,
    body: SparkUpdate,
    session: SessionDep,
    current: CanEditEither,
    permissions: EitherPermissions,
    audit: Annotated[AuditRecord, audited("config_group.spark.update", object_param="group")],
) -> SparkSection:
    """Replace the Spark section. Tuning settings need `WFO Config Groups` can_edit, settings that
    decide what code runs `WFO Cluster Code Settings` can_edit (the answer names them)."""
    saved = spark_section.update_spark(session, get_group(session, group), body, current.username, permissions)
    audit.details = saved.changes
    return saved.view


# --- Kerberos --------------------------------------------------------------------------------------


@router.get("/{group}/kerberos", responses=errors(404))
def read_kerberos(group: str, session: SessionDep, _: CanRead) -> KerberosSection:
    return kerberos_section.kerberos_view(get_group(session, group))


@router.put("/{group}/kerberos", responses=errors(404, 409))
def update_kerberos(
    group: str,
    body: KerberosUpdate,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("config_group.kerberos.update", object_param="group")],
) -> KerberosSection:
    saved = kerberos_section.set_kerberos(session, get_group(session, group), body, current.username)
    audit.details = saved.changes
    return saved.view


@router.post("/{group}/kerberos/files", openapi_extra=_FILES_BODY, responses=_UPLOAD_ERRORS)
def upload_kerberos_files(
    group: str,
    current: CanEditEither,
    permissions: EitherPermissions,
    form: UploadForm,
    session: SessionDep,
    audit: Annotated[AuditRecord, audited("config_group.kerberos.upload", object_param="group")],
) -> KerberosSection:
    """Add or replace krb5.conf and keytabs. Keytabs and krb5.conf's realms, KDCs and listed
    [libdefaults] need `WFO Config Groups` can_edit; any other krb5.conf setting can load code and
    needs `WFO Cluster Code Settings` can_edit."""
    target = get_group(session, group)
    saved = kerberos_section.upload_kerberos_files(
        session, target, _incoming(form), current.username, permissions
    )
    audit.details = saved.changes
    return saved.view


@router.delete("/{group}/kerberos/keytabs/{keytab}", status_code=204, responses=errors(404, 409))
def delete_keytab(
    group: str,
    keytab: str,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("config_group.kerberos.keytab.delete", object_param="group")],
) -> Response:
    audit.details = {"file": keytab[:200]}
    target = get_group(session, group)
    audit.details["cleared"] = kerberos_section.delete_keytab(session, target, keytab, current.username)
    return Response(status_code=204)


@router.delete("/{group}/kerberos/krb5.conf", status_code=204, responses=errors(404, 409))
def delete_krb5_conf(
    group: str,
    session: SessionDep,
    current: CanEditEither,
    permissions: EitherPermissions,
    _: Annotated[AuditRecord, audited("config_group.kerberos.krb5.delete", object_param="group")],
) -> Response:
    kerberos_section.delete_krb5_conf(session, get_group(session, group), current.username, permissions)
    return Response(status_code=204)


# --- Livy ------------------------------------------------------------------------------------------


@router.get("/{group}/livy", responses=errors(404))
def read_livy(group: str, session: SessionDep, _: CanRead) -> LivySection:
    return livy_section.livy_view(get_group(session, group))


@router.put("/{group}/livy", responses=errors(404, 409))
def update_livy(
    group: str,
    body: LivyUpdate,
    session: SessionDep,
    current: CanEdit,
    audit: Annotated[AuditRecord, audited("config_group.livy.update", object_param="group")],
) -> LivySection:
    """Replace the Livy endpoints. A password left out is kept while its URL points at the same server."""
    saved = livy_section.update_livy(session, get_group(session, group), body, current.username)
    audit.details = saved.changes
    return saved.view


# --- runtime (Dask, Python interpreters) ----------------------------------------------------------


@router.get("/{group}/runtime", responses=errors(404))
def read_runtime(group: str, session: SessionDep, _: CanRead) -> RuntimeSection:
    return runtime_section.runtime_view(get_group(session, group))


@router.put("/{group}/runtime", responses=errors(404, 409))
def update_runtime(
    group: str,
    body: RuntimeSection,
    session: SessionDep,
    current: CanEditCode,
    permissions: EditCodePermissions,
    audit: Annotated[AuditRecord, audited("config_group.runtime.update", object_param="group")],
) -> RuntimeSection:
    """Replace the runtime section (missing keys take the defaults); interpreter paths are code."""
    saved = runtime_section.update_runtime(
        session, get_group(session, group), body, current.username, permissions
    )
    audit.details = saved.changes
    return saved.view


# --- Spark engine (spark-submit or Spark Connect) -------------------------------------------------


@router.get("/{group}/spark-engine", responses=errors(404))
def read_spark_engine(group: str, session: SessionDep, _: CanRead) -> SparkEngine:
    return spark_engine.engine_view(get_group(session, group))


@router.put("/{group}/spark-engine", responses=errors(404, 409))
def update_spark_engine(
    group: str,
    body: SparkEngineUpdate,
    session: SessionDep,
    current: CanEditCode,
    permissions: EditCodePermissions,
    audit: Annotated[AuditRecord, audited("config_group.spark_engine.update", object_param="group")],
) -> SparkEngine:
    """How the group runs PySpark: 'submit' or 'connect' (url null: wfo's own server); a code setting."""
    saved = spark_engine.update_engine(
        session, get_group(session, group), body, current.username, permissions
    )
    audit.details = saved.changes
    return saved.view
