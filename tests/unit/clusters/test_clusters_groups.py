"""Config-group services on a throwaway Airflow database (conftest.py): rules, encryption at rest, and
publishing."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from wfo.clusters import groups, kerberos_section, livy_section, published, spark_section
from wfo.clusters.errors import ChangeForbidden, GroupConflict, GroupNotFound, InvalidGroupInput
from wfo.clusters.hadoop import upload_hadoop_files, write_properties
from wfo.clusters.livy import LivySettingsError
from wfo.clusters.permissions import Permissions
from wfo.clusters.published import GroupNotPublished, load_group_snapshot
from wfo.clusters.schemas import HadoopProperty, KerberosUpdate, LivyUpdate, SparkUpdate
from wfo.clusters.stored import check_name, get_group, list_groups
from wfo.clusters.uploads import IncomingFile
from wfo.db.models import ConfigGroup

KEYTAB = bytes.fromhex(
    "05020000002a00010002455800016d000000016553f10003001200104b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b00000003"
)
CORE_SITE = (
    b"<configuration><property><name>fs.defaultFS</name><value>hdfs://nn</value></property></configuration>"
)


OP = Permissions(can_edit_cluster=True, can_edit_code=False)
DEV = Permissions(can_edit_cluster=False, can_edit_code=True)
VIEWER = Permissions(can_edit_cluster=False, can_edit_code=False)


def _livy(payload: dict[str, Any]) -> LivyUpdate:
    return LivyUpdate.model_validate(payload)


def _spark(arguments: dict[str, Any], confs: dict[str, Any], spark_home: str | None = None) -> SparkUpdate:
    return SparkUpdate(arguments=arguments, confs=confs, spark_home=spark_home)


def test_first_start_seeds_one_default_group_once_and_publishes_it(session: Session) -> None:
    assert groups.ensure_default_group(session) == {"created": True, "not_published": {}, "renamed": {}}
    assert groups.ensure_default_group(session) == {"created": False, "not_published": {}, "renamed": {}}
    [group] = list_groups(session)
    assert (group.name, group.is_default, group.spark_arguments) == ("default", True, {"master": "local[*]"})
    session.commit()

    snapshot = load_group_snapshot()
    assert snapshot["name"] == "default" and snapshot["spark"]["arguments"] == {"master": "local[*]"}
    assert snapshot["hadoop_files"] == {} and snapshot["keytabs"] == {}


def test_default_and_last_group_cannot_be_deleted(session: Session) -> None:
    groups.ensure_default_group(session)
    with pytest.raises(GroupConflict, match="default"):
        groups.delete_group(session, "default")
    groups.create_group(session, "other", "op")
    groups.set_default(session, "other", "op")
    assert [g.name for g in list_groups(session) if g.is_default] == ["other"]
    groups.delete_group(session, "default")
    # A lone group that somehow is not the default still stays.
    get_group(session, "other").is_default = False
    with pytest.raises(GroupConflict, match="last"):
        groups.delete_group(session, "other")


def test_rename_moves_the_published_connection(session: Session) -> None:
    groups.ensure_default_group(session)
    groups.create_group(session, "prod", "op")
    groups.rename_group(session, "prod", "prod-eu", "op")
    session.commit()
    assert load_group_snapshot("prod-eu")["name"] == "prod-eu"
    with pytest.raises(GroupNotPublished):
        load_group_snapshot("prod")
    with pytest.raises(GroupNotFound):
        get_group(session, "prod")
    with pytest.raises(InvalidGroupInput):
        groups.rename_group(session, "prod-eu", "no spaces", "op")


def test_keytabs_and_livy_passwords_are_encrypted_at_rest_and_plain_in_the_snapshot(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    kerberos_section.upload_kerberos_files(
        session, group, [IncomingFile("m.keytab", io.BytesIO(KEYTAB))], "op", OP
    )
    livy_section.update_livy(
        session,
        group,
        _livy({"python": {"url": "http://livy:8998", "auth": "Basic_Access", "username": "u", "password": "pw-x1"}}),
        "op",
    )
    clone = groups.clone_group(session, "default", "copy", "op")
    session.commit()

    stored = next(f for f in clone.files if f.kind == "keytab")
    assert KEYTAB not in stored.content and stored.size == len(KEYTAB)
    assert b"pw-x1" not in (clone.livy_secrets or b"") and "pw-x1" not in str(clone.livy)
    assert kerberos_section.kerberos_view(clone).keytabs[0].principals == ["m@EX"]
    assert livy_section.livy_view(clone).python.password_set is True

    snapshot = load_group_snapshot("copy")
    assert base64.b64decode(snapshot["keytabs"]["m.keytab"]) == KEYTAB
    assert snapshot["livy"]["python"]["password"] == "pw-x1"
    assert snapshot["is_default"] is False


def test_hadoop_upload_is_all_or_nothing_and_edits_rewrite_xml(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    with pytest.raises(InvalidGroupInput, match="nothing was uploaded"):
        upload_hadoop_files(
            session,
            group,
            [
                IncomingFile("core-site.xml", io.BytesIO(CORE_SITE)),
                IncomingFile("x.xml", io.BytesIO(b"<a/>")),
            ],
            "op",
            OP,
        )
    assert group.files == []
    upload_hadoop_files(session, group, [IncomingFile("core-site.xml", io.BytesIO(CORE_SITE))], "op", OP)
    write_properties(
        session, group, "core-site.xml", [HadoopProperty(name="fs.defaultFS", value="hdfs://a&b")], "op", OP
    )
    assert b"<value>hdfs://a&amp;b</value>" in group.files[0].content
    assert groups.missing_hadoop_files(group) == ["hdfs-site.xml", "yarn-site.xml"]


def test_spark_changes_need_the_permission_of_what_they_touch(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    code_conf = {"spark.pyspark.python": "/usr/bin/python3"}
    yarn = {"master": "yarn"}

    spark_section.update_spark(session, group, _spark(yarn, {}), "op", OP, [])
    with pytest.raises(ChangeForbidden, match="Cluster Code Settings"):
        spark_section.update_spark(session, group, _spark(yarn, code_conf), "op", OP, [])
    with pytest.raises(ChangeForbidden, match="Cluster Code Settings"):
        spark_section.update_spark(session, group, _spark(yarn, {}, "/opt/spark"), "op", OP, [])
    saved = spark_section.update_spark(session, group, _spark(yarn, code_conf), "dev", DEV, [])
    assert saved.changes == {"changed": ["spark.pyspark.python"], "code_settings_changed": True}
    assert saved.view.confs == code_conf and saved.view.arguments == yarn
    with pytest.raises(ChangeForbidden, match="WFO Config Groups"):
        spark_section.update_spark(session, group, _spark({"master": "local[2]"}, code_conf), "dev", DEV, [])
    with pytest.raises(ChangeForbidden):
        spark_section.update_spark(session, group, _spark(yarn, code_conf), "viewer", VIEWER, [])
    assert group.spark_arguments == yarn and group.spark_confs == code_conf


def test_a_published_group_renders_into_files_for_a_job(session: Session, tmp_path: Path) -> None:
    from wfo.clusters.render import render_group

    groups.ensure_default_group(session)
    group = get_group(session, "default")
    upload_hadoop_files(session, group, [IncomingFile("core-site.xml", io.BytesIO(CORE_SITE))], "op", OP)
    kerberos_section.upload_kerberos_files(
        session, group, [IncomingFile("m.keytab", io.BytesIO(KEYTAB))], "op", OP
    )
    kerberos_section.set_kerberos(session, group, KerberosUpdate(principal="m@EX", keytab="m.keytab"), "op")
    session.commit()

    with render_group(load_group_snapshot(), base_dir=tmp_path) as rendered:
        assert rendered.hadoop_conf_dir is not None
        assert (rendered.hadoop_conf_dir / "core-site.xml").read_bytes() == CORE_SITE
        assert rendered.keytab is not None and rendered.keytab.read_bytes() == KEYTAB
        assert rendered.principal == "m@EX"
        assert rendered.spark_arguments["master"] == "local[*]"


def test_start_up_survives_a_changed_fernet_key_and_names_the_group(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.crypto import get_fernet

    groups.ensure_default_group(session)
    group = get_group(session, "default")
    kerberos_section.upload_kerberos_files(
        session, group, [IncomingFile("m.keytab", io.BytesIO(KEYTAB))], "op", OP
    )
    session.commit()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", Fernet.generate_key().decode())
    get_fernet.cache_clear()

    result = groups.ensure_default_group(session)
    assert result["created"] is False
    assert "another Fernet key" in result["not_published"]["default"]


@pytest.mark.parametrize("bad", ["prod\n", "prod\r\n", "a b", "-x", "ünï", "x" * 65])
def test_names_are_checked_whole(bad: str) -> None:
    with pytest.raises(InvalidGroupInput, match="not a valid group name"):
        check_name(bad)


def test_start_up_renames_rows_with_invalid_names_and_republishes_them(session: Session) -> None:
    from wfo.clusters import transfer

    groups.ensure_default_group(session)
    # Rows as an older wfo (regex `$`) let them in: straight into the table, published under the bad name.
    bad = [ConfigGroup(name="prod\n", spark_arguments={"master": "yarn"}), ConfigGroup(name="-")]
    session.add_all(bad)
    session.flush()
    prod, dash = f"prod-repaired-{bad[0].id}", f"group-repaired-{bad[1].id}"
    published.publish_all(session)
    session.commit()
    assert "prod" not in str(transfer.export_groups(session, io.BytesIO(), include_secrets=False))

    result = groups.ensure_default_group(session)
    session.commit()
    assert result["renamed"] == {"prod\n": prod, "-": dash}
    assert load_group_snapshot(prod)["spark"]["arguments"] == {"master": "yarn"}
    with pytest.raises(GroupNotPublished):
        load_group_snapshot("prod\n")
    assert transfer.export_groups(session, io.BytesIO(), include_secrets=False) == ["default", dash, prod]
    assert groups.ensure_default_group(session)["renamed"] == {}


def test_a_clone_keeps_the_livy_password_only_while_its_url_stays(session: Session) -> None:
    groups.ensure_default_group(session)
    endpoint = {"url": "http://livy.example.com:8998", "auth": "Basic_Access", "username": "u"}
    source = get_group(session, "default")
    livy_section.update_livy(session, source, _livy({"python": {**endpoint, "password": "pw"}}), "op")
    clone = groups.clone_group(session, "default", "copy", "op")
    same_server = {"python": {**endpoint, "url": "http://livy.example.com:8998/x"}}
    livy_section.update_livy(session, clone, _livy(same_server), "op")
    assert livy_section.livy_view(clone).python.password_set is True
    moved = {"python": {**endpoint, "url": "http://collector.example.net:8998"}}
    with pytest.raises(LivySettingsError, match="give the password again for the new URL"):
        livy_section.update_livy(session, clone, _livy(moved), "op")
    assert livy_section.livy_view(clone).python.url == "http://livy.example.com:8998/x"
    livy_section.update_livy(session, clone, _livy({"python": {**moved["python"], "auth": "None"}}), "op")
    assert livy_section.livy_view(clone).python.password_set is False
    assert published.livy_passwords(get_group(session, "default")) == {"python": "pw"}
