"""`/config-groups`: cluster config groups and their Hadoop, Spark, Kerberos, Livy and runtime sections.

Routes parse, call one service and map domain errors; every change is audited (success in the
request's transaction, refusals separately) and the services publish the group in that transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from airflow.api_fastapi.common.db.common import SessionDep
from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from wfo.audit.service import Outcome, record, record_separately
from wfo.auth import roles
from wfo.clusters import groups, hadoop, kerberos_section, livy_section, runtime_section, spark_section
from wfo.clusters.errors import ChangeForbidden, ConfigGroupError, GroupConflict, GroupNotFound
from wfo.clusters.keytab import KeytabError
from wfo.clusters.livy import LivySettingsError
from wfo.clusters.secrets import SecretsError
from wfo.clusters.spark_args import KNOWN_ARGUMENTS, SparkSettingsError
from wfo.clusters.spark_tuning import TUNING_CONFS
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup
from wfo.plugin.deps import CurrentUser, is_allowed, require
from wfo.plugin.routers.files import attachment, multipart_body, multipart_form, uploads_of
from wfo.plugin.schemas_clusters import (
    GroupCreate,
    GroupDetail,
    GroupList,
    GroupRename,
    GroupSummary,
    HadoopFileProperties,
    HadoopFiles,
    HadoopPropertiesUpdate,
    HadoopProperty,
    KerberosSection,
    KerberosUpdate,
    KeytabPublic,
    KnownArgument,
    LivySection,
    RuntimeSection,
    SparkSection,
    SparkSettings,
    SparkUpdate,
    StoredFile,
    TuningConf,
)
from wfo.storage.errors import FileTooLargeError, StorageError
from wfo.storage.limits import MiB
from wfo.storage.xml import Property

router = APIRouter(prefix="/config-groups", tags=["config groups"])
OBJECT = "config_group"
T = TypeVar("T")

CanRead = Annotated[CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_READ))]
CanEdit = Annotated[CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_EDIT))]
CanCreate = Annotated[CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_CREATE))]
CanDelete = Annotated[CurrentUser, Depends(require(roles.CONFIG_GROUPS, roles.CAN_DELETE))]
CanEditCode = Annotated[CurrentUser, Depends(require(roles.CLUSTER_CODE_SETTINGS, roles.CAN_EDIT))]
# Parsed after the auth dependency (see wfo.plugin.routers.files), so anonymous bodies are never read.
UploadForm = Annotated[FormData, Depends(multipart_form(64 * MiB))]
_FILES_BODY = multipart_body(
    {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}, ["files"]
)

_REFUSALS = (ConfigGroupError, StorageError, SparkSettingsError, LivySettingsError, KeytabError, SecretsError)


def _status(exc: Exception) -> int:
    if isinstance(exc, GroupNotFound):
        return 404
    if isinstance(exc, GroupConflict):
        return 409
    if isinstance(exc, ChangeForbidden):
        return 403
    if isinstance(exc, FileTooLargeError):
        return 413
    if isinstance(exc, SecretsError):
        return 500
    return 422


def _read(session: Session, name: str) -> ConfigGroup:
    try:
        return groups.get_group(session, name)
    except GroupNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None


def _change(
    session: Session,
    current: CurrentUser,
    action: str,
    name: str,
    change: Callable[[], T],
    details: Callable[[T], dict[str, Any] | None] = lambda _: None,
) -> T:
    """Run a service call; audit it; map a refusal to its status (and audit that separately)."""
    try:
        result = change()
    except _REFUSALS as exc:
        # Nothing of a refused change is kept; ending the transaction now also releases the write lock a
        # flush may hold (SQLite), which the separate audit write would otherwise wait for.
        session.rollback()
        outcome: Outcome = "denied" if isinstance(exc, ChangeForbidden) else "failure"
        record_separately(current.actor, action, OBJECT, name, outcome, {"error": str(exc)})
        raise HTTPException(_status(exc), detail=str(exc)) from None
    record(session, current.actor, action, OBJECT, name, "success", details(result))
    return result


def _may(current: CurrentUser) -> Callable[[str, str], bool]:
    """The caller's permission check, for services whose rule depends on what a change touches."""
    return lambda resource, action: is_allowed(current.user, resource, action)


def _incoming(form: FormData) -> list[IncomingFile]:
    return [IncomingFile(u.filename, u.stream) for u in uploads_of(form, "files")]


# --- views -----------------------------------------------------------------------------------------


def _summary(group: ConfigGroup) -> GroupSummary:
    master = (group.spark_arguments or {}).get("master")
    return GroupSummary(
        name=group.name,
        is_default=group.is_default,
        spark_master=str(master) if master else None,
        hadoop_files=len(hadoop.hadoop_files(group)),
        missing_hadoop_files=groups.missing_hadoop_files(group),
        kerberos=bool(group.kerberos_principal or group.kerberos_keytab),
        updated_at=group.updated_at,
        updated_by=group.updated_by,
    )


def _hadoop(group: ConfigGroup) -> HadoopFiles:
    return HadoopFiles(
        files=[StoredFile(name=f.name, size=f.size, modified=f.modified) for f in hadoop.hadoop_files(group)],
        missing=groups.missing_hadoop_files(group),
    )


def _kerberos(group: ConfigGroup) -> KerberosSection:
    view = kerberos_section.kerberos_view(group)
    return KerberosSection(
        principal=view.principal,
        keytab=view.keytab,
        krb5_conf=view.krb5_conf,
        keytabs=[
            KeytabPublic(name=k.name, size=k.size, modified=k.modified, principals=k.principals)
            for k in view.keytabs
        ],
    )


def _livy(group: ConfigGroup) -> LivySection:
    return LivySection.model_validate(livy_section.livy_view(group))


def _detail(group: ConfigGroup) -> GroupDetail:
    return GroupDetail(
        name=group.name,
        is_default=group.is_default,
        spark_home=group.spark_home,
        updated_at=group.updated_at,
        updated_by=group.updated_by,
        spark=SparkSettings(arguments=dict(group.spark_arguments or {}), confs=dict(group.spark_confs or {})),
        hadoop=_hadoop(group),
        kerberos=_kerberos(group),
        livy=_livy(group),
    )


def _spark(group: ConfigGroup, dependencies: list[str]) -> SparkSection:
    choices = spark_section.choices(group, dependencies)
    return SparkSection(
        arguments=dict(group.spark_arguments or {}),
        confs=dict(group.spark_confs or {}),
        spark_home=group.spark_home,
        choices={"jars": choices.jars, "py-files": choices.py_files, "keytab": choices.keytabs},
        known_arguments=[KnownArgument.model_validate(dict(entry)) for entry in KNOWN_ARGUMENTS],
        tuning_confs=[
            TuningConf(
                key=rule.key,
                kind=rule.kind,
                pattern=rule.pattern,
                expected=rule.expected,
                description=rule.description,
            )
            for rule in TUNING_CONFS
        ],
    )


# --- groups ----------------------------------------------------------------------------------------


@router.get("", response_model=GroupList)
def list_groups(session: SessionDep, _: CanRead) -> GroupList:
    return GroupList(groups=[_summary(g) for g in groups.list_groups(session)])


@router.post("", response_model=GroupDetail, status_code=201)
def create_group(body: GroupCreate, session: SessionDep, current: CanCreate) -> GroupDetail:
    group = _change(
        session,
        current,
        "config_group.create",
        body.name,
        lambda: groups.create_group(session, body.name, current.username),
    )
    return _detail(group)


@router.get("/{group}", response_model=GroupDetail)
def read_group(group: str, session: SessionDep, _: CanRead) -> GroupDetail:
    return _detail(_read(session, group))


@router.patch("/{group}", response_model=GroupDetail)
def rename_group(group: str, body: GroupRename, session: SessionDep, current: CanEdit) -> GroupDetail:
    renamed = _change(
        session,
        current,
        "config_group.rename",
        group,
        lambda: groups.rename_group(session, group, body.name, current.username),
        lambda _: {"from": group, "to": body.name},
    )
    return _detail(renamed)


@router.post("/{group}/clone", response_model=GroupDetail, status_code=201)
def clone_group(group: str, body: GroupCreate, session: SessionDep, current: CanCreate) -> GroupDetail:
    clone = _change(
        session,
        current,
        "config_group.clone",
        body.name,
        lambda: groups.clone_group(session, group, body.name, current.username),
        lambda _: {"source": group},
    )
    return _detail(clone)


@router.post("/{group}/default", response_model=GroupDetail)
def make_default(group: str, session: SessionDep, current: CanEdit) -> GroupDetail:
    chosen = _change(
        session,
        current,
        "config_group.default",
        group,
        lambda: groups.set_default(session, group, current.username),
    )
    return _detail(chosen)


@router.delete("/{group}", status_code=204)
def delete_group(group: str, session: SessionDep, current: CanDelete) -> Response:
    _change(session, current, "config_group.delete", group, lambda: groups.delete_group(session, group))
    return Response(status_code=204)


# --- Hadoop ----------------------------------------------------------------------------------------


@router.get("/{group}/hadoop", response_model=HadoopFiles)
def list_hadoop_files(group: str, session: SessionDep, _: CanRead) -> HadoopFiles:
    return _hadoop(_read(session, group))


@router.post("/{group}/hadoop", response_model=HadoopFiles, openapi_extra=_FILES_BODY)
def upload_hadoop_files(group: str, current: CanEdit, form: UploadForm, session: SessionDep) -> HadoopFiles:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.hadoop.upload",
        group,
        lambda: hadoop.upload_hadoop_files(session, target, _incoming(form), current.username, _may(current)),
        lambda names: {"files": names},
    )
    return _hadoop(target)


@router.get("/{group}/hadoop/{file}", response_model=HadoopFileProperties)
def read_hadoop_file(group: str, file: str, session: SessionDep, _: CanRead) -> HadoopFileProperties:
    target = _read(session, group)
    try:
        properties = hadoop.read_properties(target, file)
    except GroupNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None
    except StorageError as exc:
        raise HTTPException(422, detail=f"{file!r} cannot be read as Hadoop XML: {exc}") from None
    return HadoopFileProperties(
        name=file,
        properties=[
            HadoopProperty(name=p.name, value=p.value, description=p.description, final=p.final)
            for p in properties
        ],
    )


@router.put("/{group}/hadoop/{file}", response_model=HadoopFileProperties)
def edit_hadoop_file(
    group: str, file: str, body: HadoopPropertiesUpdate, session: SessionDep, current: CanEdit
) -> HadoopFileProperties:
    target = _read(session, group)
    wanted = [Property(p.name, p.value, p.description, p.final) for p in body.properties]
    written = _change(
        session,
        current,
        "config_group.hadoop.edit",
        group,
        lambda: hadoop.write_properties(session, target, file, wanted, current.username, _may(current)),
        lambda props: {"file": file, "properties": len(props)},
    )
    return HadoopFileProperties(
        name=file,
        properties=[
            HadoopProperty(name=p.name, value=p.value, description=p.description, final=p.final)
            for p in written
        ],
    )


@router.get("/{group}/hadoop/{file}/download")
def download_hadoop_file(group: str, file: str, session: SessionDep, _: CanRead) -> Response:
    target = _read(session, group)
    try:
        stored = hadoop.hadoop_file(target, file)
    except GroupNotFound as exc:
        raise HTTPException(404, detail=str(exc)) from None
    return Response(
        stored.content,
        media_type="application/xml",
        headers={
            "Content-Disposition": attachment(stored.name),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/{group}/hadoop/{file}", status_code=204)
def delete_hadoop_file(group: str, file: str, session: SessionDep, current: CanEdit) -> Response:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.hadoop.delete",
        group,
        lambda: hadoop.delete_hadoop_file(session, target, file, current.username, _may(current)),
        lambda _: {"file": file},
    )
    return Response(status_code=204)


# --- Spark -----------------------------------------------------------------------------------------


@router.get("/{group}/spark", response_model=SparkSection)
def read_spark(group: str, session: SessionDep, _: CanRead) -> SparkSection:
    return _spark(_read(session, group), spark_section.dependency_names())


@router.put("/{group}/spark", response_model=SparkSection)
def update_spark(group: str, body: SparkUpdate, session: SessionDep, current: CanRead) -> SparkSection:
    # Which edit permission is needed depends on what changes: the service decides (code settings).
    target = _read(session, group)
    dependencies = spark_section.dependency_names()
    _change(
        session,
        current,
        "config_group.spark.update",
        group,
        lambda: spark_section.update_spark(
            session,
            target,
            body.arguments,
            body.confs,
            body.spark_home,
            current.username,
            _may(current),
            dependencies,
        ),
        lambda summary: summary,
    )
    return _spark(target, dependencies)


# --- Kerberos --------------------------------------------------------------------------------------


@router.get("/{group}/kerberos", response_model=KerberosSection)
def read_kerberos(group: str, session: SessionDep, _: CanRead) -> KerberosSection:
    return _kerberos(_read(session, group))


@router.put("/{group}/kerberos", response_model=KerberosSection)
def update_kerberos(
    group: str, body: KerberosUpdate, session: SessionDep, current: CanEdit
) -> KerberosSection:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.kerberos.update",
        group,
        lambda: kerberos_section.set_kerberos(session, target, body.principal, body.keytab, current.username),
        lambda _: {"principal": target.kerberos_principal, "keytab": target.kerberos_keytab},
    )
    return _kerberos(target)


@router.post("/{group}/kerberos/files", response_model=KerberosSection, openapi_extra=_FILES_BODY)
def upload_kerberos_files(
    group: str, current: CanEdit, form: UploadForm, session: SessionDep
) -> KerberosSection:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.kerberos.upload",
        group,
        lambda: kerberos_section.upload_kerberos_files(session, target, _incoming(form), current.username),
        lambda names: {"files": names},
    )
    return _kerberos(target)


@router.delete("/{group}/kerberos/keytabs/{keytab}", status_code=204)
def delete_keytab(group: str, keytab: str, session: SessionDep, current: CanEdit) -> Response:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.kerberos.keytab.delete",
        group,
        lambda: kerberos_section.delete_keytab(session, target, keytab, current.username),
        lambda cleared: {"file": keytab, "cleared": cleared},
    )
    return Response(status_code=204)


@router.delete("/{group}/kerberos/krb5.conf", status_code=204)
def delete_krb5_conf(group: str, session: SessionDep, current: CanEdit) -> Response:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.kerberos.krb5.delete",
        group,
        lambda: kerberos_section.delete_krb5_conf(session, target, current.username),
    )
    return Response(status_code=204)


# --- Livy ------------------------------------------------------------------------------------------


@router.get("/{group}/livy", response_model=LivySection)
def read_livy(group: str, session: SessionDep, _: CanRead) -> LivySection:
    return _livy(_read(session, group))


@router.put("/{group}/livy", response_model=LivySection)
def update_livy(group: str, body: dict[str, Any], session: SessionDep, current: CanEdit) -> LivySection:
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.livy.update",
        group,
        lambda: livy_section.update_livy(session, target, body, current.username),
        lambda summary: summary,
    )
    return _livy(target)


# --- runtime (Dask, Python interpreters) ----------------------------------------------------------


@router.get("/{group}/runtime", response_model=RuntimeSection)
def read_runtime(group: str, session: SessionDep, _: CanRead) -> RuntimeSection:
    return RuntimeSection.model_validate(runtime_section.runtime_view(_read(session, group)))


@router.put("/{group}/runtime", response_model=RuntimeSection)
def update_runtime(
    group: str, body: dict[str, Any], session: SessionDep, current: CanEditCode
) -> RuntimeSection:
    """Replace the runtime section (missing keys take the defaults); interpreter paths are code."""
    target = _read(session, group)
    _change(
        session,
        current,
        "config_group.runtime.update",
        group,
        lambda: runtime_section.update_runtime(
            session,
            target,
            body,
            current.username,
            _may(current),
        ),
        lambda summary: summary,
    )
    return RuntimeSection.model_validate(runtime_section.runtime_view(target))
