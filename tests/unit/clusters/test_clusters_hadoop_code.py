"""Hadoop properties that name a class or a script are code settings: the rule and the services."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from wfo.clusters import groups, hadoop, hadoop_code
from wfo.clusters.errors import ChangeForbidden
from wfo.clusters.permissions import Permissions
from wfo.clusters.published import load_group_snapshot
from wfo.clusters.render import render_group
from wfo.clusters.schemas import HadoopProperty
from wfo.clusters.stored import get_group
from wfo.clusters.uploads import IncomingFile
from wfo.storage.xml import Property, parse_hadoop_conf, render_hadoop_conf


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # By the key's words.
        ("fs.hdfs.impl", "org.apache.hadoop.hdfs.DistributedFileSystem"),
        ("fs.AbstractFileSystem.evil.impl", "x"),
        ("net.topology.script.file.name", "/etc/hadoop/topology"),
        ("hadoop.security.credential.provider.path", "jceks://file/tmp/x"),
        ("fs.s3a.aws.credentials.provider", "x"),
        ("dfs.client.failover.proxy.provider.ns1", "x"),
        ("hadoop.rpc.socket.factory.class.default", "x"),
        ("hadoop.http.filter.initializers", "x"),
        ("io.compression.codecs", "x"),
        ("io.serializations", "x"),
        ("yarn.application.classpath", "/opt/*"),
        ("mapreduce.job.classloader", "true"),
        ("mapreduce.map.java.opts", "-Xmx1g"),
        ("yarn.app.mapreduce.am.command-opts", "-Xmx1g"),
        ("mapreduce.map.env", "LD_PRELOAD=/tmp/x.so"),
        ("yarn.nodemanager.admin-env", "X=1"),
        ("dfs.ha.fencing.methods", "sshfence"),
        ("hive.exec.pre.hooks", "x"),
        ("hive.aux.jars.path", "file:///tmp"),
        ("yarn.nodemanager.container-executor.class", "x"),
        ("tmpjars", "x"),
        # Keys that give nothing away.
        ("hadoop.security.group.mapping", "org.apache.hadoop.security.ShellBasedUnixGroupsMapping"),
        ("hadoop.http.authentication.type", "simple"),
        ("mapreduce.application.framework.path", "hdfs:///mr.tar.gz#mr"),
        # By the value's shape, whatever the key.
        ("some.unknown.key", "org.example.Evil"),
        ("some.unknown.key", "com.example.Outer$Inner"),
        ("some.unknown.key", "a.b.C, d.e.F"),
        ("some.unknown.key", "sshfence\nshell(/bin/true)"),
        ("some.unknown.key", "shell (touch /tmp/x)"),
        ("some.unknown.key", "/opt/scripts/run.sh"),
        ("some.unknown.key", "/tmp/a.jar:/tmp/b.jar"),
        ("some.unknown.key", "${env.HOME}"),
    ],
)
def test_code_properties(name: str, value: str) -> None:
    assert hadoop_code.is_code_property(name, value)
    assert hadoop_code.code_reason(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fs.defaultFS", "hdfs://master:9000"),
        ("hadoop.tmp.dir", "/data/HadoopData"),
        ("dfs.replication", "2"),
        ("dfs.namenode.handler.count", "64"),
        ("yarn.resourcemanager.hostname", "rm.example.com"),
        ("yarn.resourcemanager.address", "rm.example.com:8032"),
        ("mapreduce.framework.name", "yarn"),
        ("hadoop.security.authentication", "kerberos"),
        ("dfs.nameservices", "ns1"),
        ("io.file.buffer.size", "131072"),
        ("yarn.nodemanager.resource.memory-mb", "8192"),
    ],
)
def test_tuning_properties(name: str, value: str) -> None:
    assert not hadoop_code.is_code_property(name, value)


OP = Permissions(can_edit_cluster=True, can_edit_code=False)
ADMIN = Permissions(can_edit_cluster=True, can_edit_code=True)
CORE = render_hadoop_conf(
    [Property("fs.defaultFS", "hdfs://nn:8020"), Property("io.file.buffer.size", "4096")]
)
WITH_CODE = render_hadoop_conf(
    [
        Property("fs.defaultFS", "hdfs://nn:8020"),
        Property("hadoop.security.group.mapping", "org.apache.hadoop.security.JniBasedUnixGroupsMapping"),
        Property("net.topology.script.file.name", "/etc/hadoop/topology.sh"),
    ]
)


def _upload(session: Session, name: str, data: bytes, permissions: Permissions) -> None:
    group = get_group(session, "default")
    hadoop.upload_hadoop_files(session, group, [IncomingFile(name, io.BytesIO(data))], "u", permissions)


def test_op_cannot_add_change_or_remove_a_code_property(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    _upload(session, "core-site.xml", CORE, OP)
    with pytest.raises(ChangeForbidden) as refused:
        _upload(session, "core-site.xml", WITH_CODE, OP)
    message = str(refused.value)
    assert "core-site.xml: hadoop.security.group.mapping (loads code)" in message
    assert "core-site.xml: net.topology.script.file.name (its name says 'script')" in message
    assert "WFO Cluster Code Settings" in message and "nothing was changed" in message
    assert hadoop.hadoop_file(group, "core-site.xml").content == CORE
    with pytest.raises(ChangeForbidden, match="evil-site.xml: some.key"):
        _upload(session, "evil-site.xml", render_hadoop_conf([Property("some.key", "org.example.Evil")]), OP)
    assert [f.name for f in hadoop.hadoop_files(group)] == ["core-site.xml"]

    # Developer or Admin may; then Op may re-upload the same code properties next to a tuning change ...
    _upload(session, "core-site.xml", WITH_CODE, ADMIN)
    tuned = WITH_CODE.replace(b"hdfs://nn:8020", b"hdfs://nn2:8020")
    _upload(session, "core-site.xml", tuned, OP)
    props = hadoop.read_properties(group, "core-site.xml").properties
    hadoop.write_properties(
        session, group, "core-site.xml", [*props, HadoopProperty(name="dfs.replication", value="2")], "u", OP
    )
    # ... but not change, remove or delete them.
    changed = [
        HadoopProperty(name=p.name, value="/tmp/mine.sh") if p.name.startswith("net.") else p for p in props
    ]
    with pytest.raises(ChangeForbidden, match="net.topology.script.file.name"):
        hadoop.write_properties(session, group, "core-site.xml", changed, "u", OP)
    with pytest.raises(ChangeForbidden, match="hadoop.security.group.mapping"):
        hadoop.write_properties(session, group, "core-site.xml", props[:1], "u", OP)
    with pytest.raises(ChangeForbidden, match="deleting this file"):
        hadoop.delete_hadoop_file(session, group, "core-site.xml", "u", OP)
    assert {p.name for p in hadoop.read_properties(group, "core-site.xml").properties} == {
        "fs.defaultFS",
        "hadoop.security.group.mapping",
        "net.topology.script.file.name",
        "dfs.replication",
    }
    hadoop.delete_hadoop_file(session, group, "core-site.xml", "u", ADMIN)


LATIN1 = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n<configuration>\n'
    "<property><name>hadoop.tmp.dir</name><value>/data/Données</value>"
    "<description>répertoire</description></property>\n</configuration>\n"
)


@pytest.mark.parametrize(
    "data",
    [
        LATIN1.encode("latin-1"),
        LATIN1.replace("ISO-8859-1", "UTF-16").encode("utf-16"),
        LATIN1.replace("ISO-8859-1", "UTF-16").encode("utf-16-be"),
        LATIN1.replace("ISO-8859-1", "windows-1252").encode("cp1252"),
        b"\xef\xbb\xbf" + LATIN1.replace("ISO-8859-1", "UTF-8").encode(),
    ],
    ids=["latin-1", "utf-16-bom", "utf-16-be", "cp1252", "utf-8-bom"],
)
def test_valid_xml_in_any_encoding_is_stored_as_utf8_and_renders(
    session: Session, tmp_path: Path, data: bytes
) -> None:
    groups.ensure_default_group(session)
    _upload(session, "core-site.xml", data, OP)
    group = get_group(session, "default")
    stored = hadoop.hadoop_file(group, "core-site.xml").content
    assert stored.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "/data/Données".encode() in stored
    assert parse_hadoop_conf(stored) == parse_hadoop_conf(data)
    session.commit()
    with render_group(load_group_snapshot(), base_dir=tmp_path) as rendered:
        assert rendered.hadoop_conf_dir is not None
        on_disk = (rendered.hadoop_conf_dir / "core-site.xml").read_bytes()
        assert parse_hadoop_conf(on_disk)[0].value == "/data/Données"
