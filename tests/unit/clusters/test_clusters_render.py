"""Rendering a published group on disk: files, modes, environment, resolved arguments, clean-up."""

from __future__ import annotations

import base64
import copy
import struct
from pathlib import Path
from typing import Any

import pytest

from wfo.clusters.render import RenderedGroup, RenderError, render_group
from wfo.storage.objectstore import ObjectStore

CORE_SITE = "<configuration><property><name>fs.defaultFS</name><value>hdfs://nn:8020</value></property></configuration>"
KRB5_CONF = "[libdefaults]\n  default_realm = EXAMPLE.COM\n"


def keytab_bytes(principal: str) -> bytes:
    """A one-entry version-2 keytab for `principal` (`name@REALM`)."""
    name, realm = principal.split("@")

    def string(text: str) -> bytes:
        return struct.pack(">H", len(text)) + text.encode()

    body = (
        struct.pack(">H", 1) + string(realm) + string(name) + struct.pack(">IIBHH", 1, 0, 1, 18, 4) + b"key!"
    )
    return b"\x05\x02" + struct.pack(">i", len(body)) + body


ETL_KEYTAB = keytab_bytes("etl@EXAMPLE.COM")


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    store = ObjectStore((tmp_path / "store").as_uri())
    store.put_bytes("spark-dependencies/udfs.jar", b"PK jar bytes")
    store.put_bytes("spark-dependencies/more.jar", b"PK more")
    store.put_bytes("spark-dependencies/helpers.py", b"def f(): pass\n")
    return store


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    path = tmp_path / "render"
    path.mkdir()
    return path


def snapshot(**changes: Any) -> dict[str, Any]:
    group: dict[str, Any] = {
        "format": 1,
        "name": "prod",
        "is_default": False,
        "spark_home": "/opt/spark-3.5",
        "spark": {
            "arguments": {
                "master": "yarn",
                "deploy-mode": "cluster",
                "jars": ["udfs.jar", "more.jar"],
                "py-files": ["helpers.py"],
                "keytab": "etl.keytab",
            },
            "confs": {"spark.scheduler.mode": "FAIR"},
        },
        "hadoop_files": {"core-site.xml": CORE_SITE, "yarn-site.xml": "<configuration/>"},
        "krb5_conf": KRB5_CONF,
        "kerberos": {"principal": "etl@EXAMPLE.COM", "keytab": "etl.keytab"},
        "keytabs": {"etl.keytab": base64.b64encode(ETL_KEYTAB).decode()},
        "livy": {},
    }
    group.update(changes)
    return group


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_full_group_is_rendered_into_a_private_directory(store: ObjectStore, base_dir: Path) -> None:
    with render_group(snapshot(), base_dir=base_dir, store=store) as group:
        assert isinstance(group, RenderedGroup)
        directory = group.directory
        assert directory.parent == base_dir and mode(directory) == 0o700

        assert group.hadoop_conf_dir == directory / "hadoop"
        assert (directory / "hadoop" / "core-site.xml").read_text() == CORE_SITE
        assert sorted(p.name for p in group.hadoop_conf_dir.iterdir()) == ["core-site.xml", "yarn-site.xml"]

        assert group.krb5_conf is not None and group.krb5_conf.read_text() == KRB5_CONF
        assert group.keytab is not None and group.keytab.read_bytes() == ETL_KEYTAB
        assert mode(group.keytab) == 0o600
        assert group.keytab.is_relative_to(directory)
        assert group.principal == "etl@EXAMPLE.COM"
        assert group.spark_home == "/opt/spark-3.5"

        assert group.env["HADOOP_CONF_DIR"] == group.env["YARN_CONF_DIR"] == str(directory / "hadoop")
        assert group.env["KRB5_CONFIG"] == str(group.krb5_conf)
        assert group.env["SPARK_HOME"] == "/opt/spark-3.5"
        assert group.env["SPARK_SUBMIT_OPTS"] == f"-Djava.security.krb5.conf={group.krb5_conf}"

        arguments = group.spark_arguments
        jars = arguments["jars"].split(",")
        assert [Path(jar).read_bytes() for jar in jars] == [b"PK jar bytes", b"PK more"]
        assert all(Path(jar).is_relative_to(directory) for jar in jars)
        assert Path(arguments["py-files"]).read_bytes() == b"def f(): pass\n"
        assert arguments["keytab"] == str(group.keytab)
        assert arguments["principal"] == "etl@EXAMPLE.COM"
        assert arguments["master"] == "yarn" and arguments["deploy-mode"] == "cluster"
        assert group.spark_confs == {"spark.scheduler.mode": "FAIR"}
    assert not directory.exists()


def test_the_snapshot_is_not_modified(store: ObjectStore, base_dir: Path) -> None:
    original = snapshot()
    kept = copy.deepcopy(original)
    with render_group(original, base_dir=base_dir, store=store):
        pass
    assert original == kept


def test_directory_is_removed_when_the_job_fails(store: ObjectStore, base_dir: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="job failed"),
        render_group(snapshot(), base_dir=base_dir, store=store) as group,
    ):
        assert group.keytab is not None and group.keytab.exists()
        raise RuntimeError("job failed")
    assert list(base_dir.iterdir()) == []


def test_missing_dependency_is_named_and_nothing_is_left_behind(store: ObjectStore, base_dir: Path) -> None:
    group = snapshot()
    group["spark"]["arguments"]["jars"] = ["udfs.jar", "gone.jar"]
    with pytest.raises(RenderError, match="the Spark dependency 'gone.jar' used by this group is not in"):
        with render_group(group, base_dir=base_dir, store=store):
            pytest.fail("the body must not run")
    assert list(base_dir.iterdir()) == []


def test_minimal_group_renders_without_files_or_store(base_dir: Path) -> None:
    group = {"format": 1, "name": "default", "spark": {"arguments": {"master": "local[*]"}, "confs": {}}}
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.hadoop_conf_dir is None and rendered.krb5_conf is None and rendered.keytab is None
        assert rendered.principal is None and rendered.spark_home is None
        assert rendered.env == {}
        assert rendered.spark_arguments == {"master": "local[*]"}
        assert list(rendered.directory.iterdir()) == []


def test_group_kerberos_applies_to_spark_without_keytab_argument(base_dir: Path) -> None:
    group = snapshot(spark={"arguments": {"master": "yarn"}, "confs": {}})
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.spark_arguments["keytab"] == str(rendered.keytab)
        assert rendered.spark_arguments["principal"] == "etl@EXAMPLE.COM"


def test_explicit_principal_argument_wins(base_dir: Path) -> None:
    group = snapshot(
        spark={"arguments": {"principal": "other@EXAMPLE.COM", "keytab": "etl.keytab"}, "confs": {}}
    )
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.spark_arguments["principal"] == "other@EXAMPLE.COM"


def test_principal_falls_back_to_the_keytabs_first_principal(base_dir: Path) -> None:
    group = snapshot(
        kerberos={"principal": None, "keytab": "etl.keytab"}, spark={"arguments": {}, "confs": {}}
    )
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.principal == "etl@EXAMPLE.COM"
        assert rendered.spark_arguments["principal"] == "etl@EXAMPLE.COM"


def test_spark_keytab_argument_may_differ_from_the_groups_keytab(base_dir: Path) -> None:
    other = keytab_bytes("svc@EXAMPLE.COM")
    keytabs = {
        "etl.keytab": base64.b64encode(ETL_KEYTAB).decode(),
        "svc.keytab": base64.b64encode(other).decode(),
    }
    group = snapshot(keytabs=keytabs, spark={"arguments": {"keytab": "svc.keytab"}, "confs": {}})
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.keytab is not None and rendered.keytab.read_bytes() == ETL_KEYTAB
        spark_keytab = Path(rendered.spark_arguments["keytab"])
        assert spark_keytab.read_bytes() == other and mode(spark_keytab) == 0o600


def test_spark_principal_comes_from_the_spark_keytab_when_none_is_set(base_dir: Path) -> None:
    other = keytab_bytes("svc@EXAMPLE.COM")
    keytabs = {
        "etl.keytab": base64.b64encode(ETL_KEYTAB).decode(),
        "svc.keytab": base64.b64encode(other).decode(),
    }
    group = snapshot(
        keytabs=keytabs,
        kerberos={"principal": None, "keytab": "etl.keytab"},
        spark={"arguments": {"keytab": "svc.keytab"}, "confs": {}},
    )
    with render_group(group, base_dir=base_dir) as rendered:
        assert rendered.principal == "etl@EXAMPLE.COM"
        assert rendered.spark_arguments["principal"] == "svc@EXAMPLE.COM"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hadoop_files": {"../core-site.xml": "<configuration/>"}}, "Hadoop file name is refused"),
        ({"keytabs": {}}, "the keytab 'etl.keytab' is selected but the group has no such keytab"),
        ({"keytabs": {"etl.keytab": "not base64!"}}, "not valid base64"),
        ({"format": 2}, "format 2; this wfo reads format 1"),
        (
            {
                "kerberos": {"principal": None, "keytab": "etl.keytab"},
                "keytabs": {"etl.keytab": base64.b64encode(b"\x05\x02").decode()},
            },
            "holds no principal and none is set",
        ),
        (
            {
                "kerberos": {"principal": None, "keytab": "etl.keytab"},
                "keytabs": {"etl.keytab": base64.b64encode(b"junk").decode()},
            },
            "the keytab 'etl.keytab' cannot be read",
        ),
    ],
)
def test_unusable_snapshots_are_refused_and_cleaned_up(
    store: ObjectStore, base_dir: Path, changes: dict[str, Any], message: str
) -> None:
    with (
        pytest.raises(RenderError, match=message),
        render_group(snapshot(**changes), base_dir=base_dir, store=store),
    ):
        pytest.fail("the body must not run")
    assert list(base_dir.iterdir()) == []


def test_store_defaults_to_the_configured_one(
    monkeypatch: pytest.MonkeyPatch, store: ObjectStore, base_dir: Path
) -> None:
    monkeypatch.setattr(ObjectStore, "from_settings", classmethod(lambda cls, settings=None: store))
    with render_group(snapshot(), base_dir=base_dir) as rendered:
        assert Path(rendered.spark_arguments["py-files"]).exists()
