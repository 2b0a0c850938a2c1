"""Request and response models of the config-group API (`/config-groups`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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


class SparkSettings(BaseModel):
    arguments: dict[str, Any]
    confs: dict[str, Any]


class SparkUpdate(BaseModel):
    arguments: dict[str, Any] = Field(default_factory=dict)
    confs: dict[str, Any] = Field(default_factory=dict)
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


class SparkSection(BaseModel):
    arguments: dict[str, Any]
    confs: dict[str, Any]
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


class KerberosUpdate(BaseModel):
    principal: str | None = None
    keytab: str | None = Field(default=None, description="one of the group's keytabs; null clears it")


class LivyEndpointPublic(BaseModel):
    url: str
    auth: str
    username: str
    password_set: bool


class LivySection(BaseModel):
    python: LivyEndpointPublic
    scala: LivyEndpointPublic


class UploadedFiles(BaseModel):
    uploaded: list[str]


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


class DaskYarnSettings(BaseModel):
    environment: str | None = Field(
        description="the Python environment the YARN workers run (a conda-pack/venv archive dask-yarn ships)"
    )
    worker_vcores: int
    worker_memory: str = Field(description="like '2 GiB'")
    n_workers: int


class DaskSettings(BaseModel):
    mode: str = Field(
        description="'local' (a LocalCluster per task), 'scheduler' (an existing one) or 'yarn'"
    )
    scheduler_address: str | None = Field(description="tcp://host:port or tls://host:port ('scheduler' mode)")
    local_workers: int
    threads_per_worker: int
    yarn: DaskYarnSettings


class RuntimeSection(BaseModel):
    """Where Python tasks run: the Dask cluster and the named Python interpreters.

    PUT takes the same shape (missing keys take the defaults); changing it needs can_edit on
    `WFO Cluster Code Settings` (Developer or Admin), because interpreter paths decide what code runs.
    """

    dask: DaskSettings
    python_environments: dict[str, str] = Field(description="name -> absolute path of a Python interpreter")
    default_python: str | None = Field(
        description="the environment TensorflowOperator tasks use when they name none (null: wfo's Python)"
    )
