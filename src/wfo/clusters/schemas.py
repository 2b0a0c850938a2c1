"""The models the config-group services take and return; the API uses them as they are.

Request models check single values (`wfo.clusters.validation`); rules that depend on what is stored (the
keytab a Spark argument names, a Livy password for a moved URL) are the services'. An import
(`wfo.clusters.transfer`) validates a group through `GroupDocument`, made of the same models. The runtime
section's models live in `wfo.clusters.runtime` (tasks read them) and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from wfo.clusters import livy
from wfo.clusters.runtime import DaskSettings as DaskSettings
from wfo.clusters.runtime import DaskYarnSettings as DaskYarnSettings
from wfo.clusters.runtime import RuntimeSection as RuntimeSection
from wfo.clusters.runtime import SparkEngineUpdate
from wfo.clusters.validation import Closed, rule

View = TypeVar("View", bound=BaseModel)


@dataclass(frozen=True)
class Saved(Generic[View]):
    """What a change of a section returns: the section as the API shows it, and what changed (the audit
    event's details; never a secret)."""

    view: View
    changes: dict[str, Any] = field(default_factory=dict)


# --- groups ---------------------------------------------------------------------------------------------


class GroupCreate(BaseModel):
    name: str = Field(description="1-64 letters, digits, '_', '.', '-'; starts with a letter or digit")


class GroupRename(BaseModel):
    name: str = Field(description="the new name")


class GroupSummary(BaseModel):
    name: str
    is_default: bool
    spark_master: str | None
    hadoop_files: int
    missing_hadoop_files: list[str]
    kerberos: bool = Field(description="a principal or keytab is configured")
    updated_at: datetime | None
    updated_by: str | None


class GroupList(BaseModel):
    groups: list[GroupSummary]


# --- Hadoop ---------------------------------------------------------------------------------------------


class StoredFile(BaseModel):
    name: str
    size: int
    modified: datetime


class HadoopFiles(BaseModel):
    files: list[StoredFile]
    missing: list[str] = Field(description="which of core-site.xml, hdfs-site.xml, yarn-site.xml are missing")


class HadoopProperty(BaseModel):
    name: str
    value: str
    description: str | None = None
    final: bool = False


class HadoopFileProperties(BaseModel):
    name: str
    properties: list[HadoopProperty]


class HadoopPropertiesUpdate(BaseModel):
    properties: list[HadoopProperty]


# --- Spark ----------------------------------------------------------------------------------------------

# As sent: numbers and booleans are accepted as Spark writes them; lists for jars, py-files ...
ArgumentInput = str | int | float | bool | list[str] | None
ConfInput = str | int | float | bool


class SparkSettings(BaseModel):
    """Arguments and confs as stored: values are text, list arguments lists of text."""

    arguments: dict[str, str | list[str]]
    confs: dict[str, str]


class SparkUpdate(Closed):
    """The whole Spark section (a full replace); an empty argument value removes the argument."""

    arguments: dict[str, ArgumentInput] = Field(default_factory=dict)
    confs: dict[str, ConfInput] = Field(default_factory=dict)
    spark_home: str | None = None


class KnownArgument(BaseModel):
    name: str
    kind: str
    choices: list[str] | None = None
    code: bool


class TuningConf(BaseModel):
    """A conf that needs only WFO Config Groups: edit, as long as its value matches `pattern`."""

    key: str
    kind: str = Field(description="size, duration, boolean, fraction, choice ... (what `pattern` accepts)")
    pattern: str = Field(
        description=(
            "the values accepted, as a regular expression matched against the whole trimmed value, "
            "ignoring ASCII case (Python: re.fullmatch with IGNORECASE|ASCII; JavaScript: "
            "new RegExp(`^(?:${pattern})$`, 'i'))"
        )
    )
    expected: str = Field(description="the accepted values in words, like 'a size like 512m, 2g or 64k'")
    description: str


class SparkSection(SparkSettings):
    spark_home: str | None
    choices: dict[str, list[str]] = Field(description="jars, py-files (Spark dependencies), keytab")
    known_arguments: list[KnownArgument]
    tuning_confs: list[TuningConf] = Field(
        description=(
            "the allow-list of tuning confs: a conf whose key is listed and whose value matches the "
            "entry's pattern needs WFO Config Groups: edit; every other conf decides what code runs "
            "and needs WFO Cluster Code Settings: edit (Developer or Admin)"
        )
    )


# --- Kerberos -------------------------------------------------------------------------------------------


class KeytabPublic(BaseModel):
    name: str
    size: int
    modified: datetime
    principals: list[str]


class KerberosSection(BaseModel):
    principal: str | None
    keytab: str | None
    krb5_conf: bool
    keytabs: list[KeytabPublic]


class KerberosUpdate(Closed):
    principal: str | None = None
    keytab: str | None = Field(default=None, description="one of the group's keytabs; null clears it")


# --- Livy -----------------------------------------------------------------------------------------------


def _endpoint(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("must be an object with url, auth, username and password")
    return value


LivyText = Annotated[str, BeforeValidator(rule(livy.text))]


class LivyEndpointPublic(BaseModel):
    url: str
    auth: livy.LivyAuth
    username: str
    password_set: bool


class LivySection(BaseModel):
    python: LivyEndpointPublic
    scala: LivyEndpointPublic


class LivyEndpointUpdate(Closed):
    url: Annotated[LivyText, AfterValidator(rule(livy.check_url))] = Field(
        default="", description="http(s)://host:port of the Livy server; empty: no endpoint"
    )
    auth: Annotated[livy.LivyAuth, BeforeValidator(rule(livy.check_auth))] = "None"
    username: LivyText = ""
    password: Annotated[str | None, BeforeValidator(rule(livy.password))] = Field(
        default=None, description="write-only: absent keeps the stored one (same server), empty clears it"
    )
    password_set: bool | None = Field(
        default=None, exclude=True, description="ignored (what GET shows, a client may send it back)"
    )


class LivyUpdate(Closed):
    python: Annotated[LivyEndpointUpdate, BeforeValidator(rule(_endpoint))] = Field(
        default_factory=LivyEndpointUpdate
    )
    scala: Annotated[LivyEndpointUpdate, BeforeValidator(rule(_endpoint))] = Field(
        default_factory=LivyEndpointUpdate
    )


# --- the whole group ------------------------------------------------------------------------------------


class GroupDetail(BaseModel):
    name: str
    is_default: bool
    spark_home: str | None
    updated_at: datetime | None
    updated_by: str | None
    spark: SparkSettings
    hadoop: HadoopFiles
    kerberos: KerberosSection
    livy: LivySection


def _object(value: Any) -> Any:
    return {} if value is None else value


class SparkDocument(BaseModel):
    arguments: dict[str, ArgumentInput] = Field(default_factory=dict)
    confs: dict[str, ConfInput] = Field(default_factory=dict)


class GroupDocument(BaseModel):
    """`configs/<group>/group.json` of an export; a missing `runtime` leaves the group's as it is."""

    name: str | None = None
    spark_home: str | None = None
    spark: Annotated[SparkDocument, BeforeValidator(_object)] = Field(default_factory=SparkDocument)
    kerberos: Annotated[KerberosUpdate, BeforeValidator(_object)] = Field(default_factory=KerberosUpdate)
    livy: Annotated[LivyUpdate, BeforeValidator(_object)] = Field(default_factory=LivyUpdate)
    runtime: RuntimeSection | None = None
    # How PySpark runs (wfo.clusters.spark_engine); missing: the group's stays as it is. `token` only in an
    # export with secrets.
    spark_engine: SparkEngineUpdate | None = None


class ImportRejection(BaseModel):
    """A group of an import refused on its own, and why."""

    name: str
    reason: str


class ImportHeldBack(BaseModel):
    """A group that would have been created or updated, not imported because another was refused."""

    name: str
    would_be: Literal["created", "updated"]
    reason: str


class ImportReport(BaseModel):
    """What an import of `GET /api/configs/` did with every group (a dry run: what it would do).

    All or nothing (docs/user-guide.md, "Import / export"): when a group is refused, `created` and
    `updated` are empty, the refused groups are under `rejected` and the others under `held_back`.
    """

    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list, description="equal to the archive: not touched")
    rejected: list[ImportRejection] = Field(default_factory=list)
    held_back: list[ImportHeldBack] = Field(default_factory=list)
    default: str | None = None
    dry_run: bool = False
    imported: bool = Field(default=False, description="something was written (never for a dry run)")
