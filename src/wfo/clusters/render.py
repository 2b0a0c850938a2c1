"""Render a published config group for one job: a private directory with everything spark-submit needs.

The directory (mode 0700) holds `hadoop/<name>.xml` (for HADOOP_CONF_DIR / YARN_CONF_DIR),
`krb5.conf`, the decrypted keytabs under `keytabs/` (mode 0600) and the group's Spark dependencies
under `deps/`; it is removed when the `with` block ends, whether the job succeeded, failed, or
rendering itself failed halfway. Operators and notebook kernels both use `render_group`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wfo.clusters.keytab import KeytabError, read_principals
from wfo.storage.errors import ObjectNotFoundError, UnsafeNameError
from wfo.storage.names import safe_name

if TYPE_CHECKING:
    from wfo.storage.objectstore import ObjectStore

SNAPSHOT_FORMAT = 1
DEPENDENCY_PREFIX = "spark-dependencies/"
_DEPENDENCY_ARGUMENTS = ("jars", "py-files")


class RenderError(ValueError):
    """A group snapshot cannot be rendered (missing dependency or keytab, bad file name, bad data)."""


@dataclass(frozen=True)
class RenderedGroup:
    """Where a rendered group lives and what to pass to spark-submit and its environment."""

    directory: Path
    hadoop_conf_dir: Path | None
    krb5_conf: Path | None
    keytab: Path | None
    principal: str | None
    spark_home: str | None
    env: dict[str, str] = field(default_factory=dict)
    spark_arguments: dict[str, Any] = field(default_factory=dict)
    spark_confs: dict[str, str] = field(default_factory=dict)


def _checked_name(name: Any, what: str) -> str:
    try:
        return safe_name(name)
    except UnsafeNameError as exc:
        raise RenderError(f"the {what} name is refused: {exc}") from None


def _write(path: Path, data: bytes, mode: int) -> Path:
    """Create `path` with `mode` from the start (never briefly world-readable); never follow a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # the umask may have removed bits from `mode`
    return path


def _render_hadoop(directory: Path, files: dict[str, str]) -> Path | None:
    if not files:
        return None
    hadoop = directory / "hadoop"
    hadoop.mkdir(mode=0o700)
    for name, text in files.items():
        _write(hadoop / _checked_name(name, "Hadoop file"), str(text).encode("utf-8"), 0o600)
    return hadoop


def _render_keytab(directory: Path, name: str, keytabs: dict[str, str]) -> Path:
    safe = _checked_name(name, "keytab")
    target = directory / "keytabs" / safe
    if target.exists():
        return target
    if safe not in keytabs:
        raise RenderError(f"the keytab '{safe}' is selected but the group has no such keytab")
    try:
        data = base64.b64decode(keytabs[safe], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise RenderError(f"the keytab '{safe}' in the published group is not valid base64") from None
    target.parent.mkdir(mode=0o700, exist_ok=True)
    return _write(target, data, 0o600)


def _fetch_dependencies(directory: Path, names: list[str], store: ObjectStore) -> list[str]:
    deps = directory / "deps"
    deps.mkdir(mode=0o700, exist_ok=True)
    paths = []
    for name in names:
        safe = _checked_name(name, "Spark dependency")
        target = deps / safe
        if not target.exists():
            try:
                store.download_to(DEPENDENCY_PREFIX + safe, target)
            except ObjectNotFoundError:
                raise RenderError(
                    f"the Spark dependency '{safe}' used by this group is not in the Spark dependencies "
                    "repository; upload it again or remove it from the group"
                ) from None
        paths.append(str(target))
    if any("," in path for path in paths):
        raise RenderError(f"the render directory {directory} contains a comma, which spark-submit splits on")
    return paths


def _dependency_names(value: Any) -> list[str]:
    names = value if isinstance(value, list) else str(value).split(",")
    return [str(name).strip() for name in names if str(name).strip()]


def _first_principal(path: Path) -> str | None:
    try:
        principals = read_principals(path.read_bytes())
    except KeytabError as exc:
        raise RenderError(f"the keytab '{path.name}' cannot be read: {exc}") from None
    return principals[0] if principals else None


def _render(directory: Path, snapshot: dict, store: ObjectStore | None) -> RenderedGroup:
    if not isinstance(snapshot, dict):
        raise RenderError("the group snapshot is not an object")
    version = snapshot.get("format", SNAPSHOT_FORMAT)
    if not isinstance(version, int) or version > SNAPSHOT_FORMAT:
        raise RenderError(
            f"the group snapshot has format {version!r}; this wfo reads format {SNAPSHOT_FORMAT}"
        )
    spark = snapshot.get("spark") or {}
    arguments: dict[str, Any] = dict(spark.get("arguments") or {})
    confs: dict[str, str] = dict(spark.get("confs") or {})
    kerberos = snapshot.get("kerberos") or {}
    keytabs = snapshot.get("keytabs") or {}
    env: dict[str, str] = {}

    hadoop_conf_dir = _render_hadoop(directory, snapshot.get("hadoop_files") or {})
    if hadoop_conf_dir is not None:
        env["HADOOP_CONF_DIR"] = env["YARN_CONF_DIR"] = str(hadoop_conf_dir)

    krb5_conf = None
    if snapshot.get("krb5_conf"):
        krb5_conf = _write(directory / "krb5.conf", str(snapshot["krb5_conf"]).encode("utf-8"), 0o600)
        env["KRB5_CONFIG"] = str(krb5_conf)
        # The spark-submit JVM (and a client-mode driver) reads Kerberos settings from a system property.
        env["SPARK_SUBMIT_OPTS"] = f"-Djava.security.krb5.conf={krb5_conf}"

    # The Kerberos section applies to Spark jobs too; an explicit keytab/principal argument wins.
    keytab = None
    if kerberos.get("keytab"):
        keytab = _render_keytab(directory, kerberos["keytab"], keytabs)
    spark_keytab = keytab
    if arguments.get("keytab"):
        spark_keytab = _render_keytab(directory, arguments["keytab"], keytabs)
    keytab = keytab or spark_keytab
    # `principal` goes with the group's keytab (kinit for HDFS jobs, Livy); Spark's with its keytab.
    principal = kerberos.get("principal") or arguments.get("principal") or None
    if principal is None and keytab is not None:
        principal = _first_principal(keytab)
    if spark_keytab is not None:
        spark_principal = arguments.get("principal") or kerberos.get("principal") or None
        if spark_principal is None:
            spark_principal = _first_principal(spark_keytab)
        if spark_principal is None:
            raise RenderError(
                f"the keytab '{spark_keytab.name}' holds no principal and none is set; set the principal"
            )
        arguments["keytab"] = str(spark_keytab)
        arguments["principal"] = spark_principal

    for name in _DEPENDENCY_ARGUMENTS:
        names = _dependency_names(arguments.get(name) or [])
        if names:
            if store is None:
                from wfo.storage.objectstore import ObjectStore

                store = ObjectStore.from_settings()
            arguments[name] = ",".join(_fetch_dependencies(directory, names, store))
        else:
            arguments.pop(name, None)

    spark_home = snapshot.get("spark_home") or None
    if spark_home:
        env["SPARK_HOME"] = str(spark_home)
    return RenderedGroup(
        directory=directory,
        hadoop_conf_dir=hadoop_conf_dir,
        krb5_conf=krb5_conf,
        keytab=keytab,
        principal=principal,
        spark_home=spark_home,
        env=env,
        spark_arguments=arguments,
        spark_confs=confs,
    )


@contextlib.contextmanager
def render_group(
    snapshot: dict, *, base_dir: Path | None = None, store: ObjectStore | None = None
) -> Iterator[RenderedGroup]:
    """Render `snapshot` (a published group, see `wfo.clusters.published`) into a private directory.

    The directory is created under `base_dir` (default: the system temp folder) with mode 0700 and
    removed when the block exits, also on error. `store` defaults to `ObjectStore.from_settings()`,
    opened only if the group has `jars` or `py-files`. Raises `RenderError` for a missing Spark
    dependency or keytab and for unusable snapshot data.
    """
    directory = Path(tempfile.mkdtemp(prefix="wfo-group-", dir=base_dir))
    try:
        os.chmod(directory, 0o700)
        yield _render(directory, snapshot, store)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
