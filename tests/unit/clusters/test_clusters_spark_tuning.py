"""The Spark tuning allow-list: what a role without code rights (Op) may set, and everything it may not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from wfo.auth import roles
from wfo.clusters import groups, hadoop_code, spark_section
from wfo.clusters.errors import ChangeForbidden
from wfo.clusters.permissions import Permissions
from wfo.clusters.schemas import SparkUpdate
from wfo.clusters.spark_args import is_code_conf
from wfo.clusters.spark_tuning import TUNING_CONFS, tuning_rule, why_code
from wfo.clusters.stored import get_group
from wfo.db.models import ConfigGroup

USER_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"

# Every conf the red-team review used or named as Op-settable code (issue 10, item 1), with a value of the
# attack: each must need WFO Cluster Code Settings.
ISSUE_KEYS = {
    "spark.driver.log.persistToDfs.enabled": "true",
    "spark.driver.log.dfsDir": "file:///tmp/wfo-attack",
    "spark.driver.log.layout": "#!/bin/sh%ntouch /tmp/pwned%n",
    "spark.driver.log.localDir": "/tmp/wfo-attack",
    "spark.driver.resource.gpu.discoveryScript": "/tmp/wfo-attack/driver.log",
    "spark.executor.resource.gpu.discoveryScript": "/tmp/x.sh",
    "spark.worker.resource.fpga.discoveryScript": "/tmp/x.sh",
    "spark.sql.execution.pyspark.python": "/tmp/python",
    "spark.r.command": "/tmp/Rscript",
    "spark.r.driver.command": "/tmp/Rscript",
    "spark.sparkr.r.command": "/tmp/Rscript",
    "spark.sql.hive.metastore.jars": "path",
    "spark.sql.hive.metastore.jars.path": "file:///tmp/*.jar",
    "spark.plugins": "org.example.Plugin",
    "spark.executor.plugins": "org.example.Plugin",
    "spark.extraListeners": "org.example.Listener",
    "spark.sql.extensions": "org.example.Extensions",
    "spark.sql.queryExecutionListeners": "org.example.Listener",
    "spark.sql.streaming.streamingQueryListeners": "org.example.Listener",
    "spark.sql.catalog.evil": "org.example.Catalog",
    "spark.sql.catalog.spark_catalog": "org.example.Catalog",
    "spark.serializer": "org.example.Serializer",
    "spark.kryo.registrator": "org.example.Registrator",
    "spark.shuffle.manager": "org.example.ShuffleManager",
    "spark.resources.discoveryPlugin": "org.example.Discovery",
    "spark.ui.filters": "org.example.Filter",
    "spark.kubernetes.driver.podTemplateFile": "/tmp/pod.yaml",
    "spark.kubernetes.executor.podTemplateFile": "/tmp/pod.yaml",
    "spark.yarn.jar": "hdfs:///evil.jar",
    "spark.repl.local.jars": "file:///tmp/evil.jar",
    "spark.driver.userClassPathFirst": "true",
    "spark.driver.libraryPath": "/tmp/native",
    "spark.eventLog.dir": "file:///tmp/wfo-attack",
    "spark.python.profile.dump": "/tmp/wfo-attack",
    "spark.redaction.regex": "nothing",
    "spark.kerberos.principal": "hdfs@EXAMPLE.COM",
}


OP = Permissions(can_edit_cluster=True, can_edit_code=False)
DEVELOPER = Permissions(can_edit_cluster=False, can_edit_code=True)
LOCAL = {"master": "local[*]"}


def _save(session: Session, group: ConfigGroup, confs: dict[str, str], permissions: Permissions) -> None:
    """Save `confs` (and master local[*]) as a caller with `permissions`."""
    spark_section.update_spark(session, group, SparkUpdate(arguments=LOCAL, confs=confs), "u", permissions, [])


@pytest.mark.parametrize(("key", "value"), ISSUE_KEYS.items())
def test_every_key_of_the_review_is_a_code_setting(key: str, value: str) -> None:
    assert is_code_conf(key, value)
    assert tuning_rule(key) is None


def test_op_is_refused_the_whole_list_naming_each_key_and_the_permission(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    with pytest.raises(ChangeForbidden) as refused:
        _save(session, group, dict(ISSUE_KEYS), OP)
    message = str(refused.value)
    for key in ISSUE_KEYS:
        assert f"{key} (not on the list of tuning settings)" in message
    assert f"{roles.CAN_EDIT} on {roles.CLUSTER_CODE_SETTINGS} (Developer or Admin)" in message
    assert group.spark_confs == {}
    # One key at a time too (no key hides behind another's refusal).
    for key, value in ISSUE_KEYS.items():
        with pytest.raises(ChangeForbidden, match=re.escape(key)):
            _save(session, group, {key: value}, OP)
    assert group.spark_confs == {}

    # A Developer keeps today's freedom: any valid spark.* key.
    _save(session, group, dict(ISSUE_KEYS), DEVELOPER)
    assert group.spark_confs == ISSUE_KEYS
    # Op may re-save them unchanged next to a tuning change, but not remove them.
    tuned = {**ISSUE_KEYS, "spark.executor.memory": "2g"}
    _save(session, group, tuned, OP)
    with pytest.raises(ChangeForbidden, match=r"spark\.plugins \(removes a code setting\)"):
        trimmed = {k: v for k, v in tuned.items() if k != "spark.plugins"}
        _save(session, group, trimmed, OP)
    assert group.spark_confs == tuned


def test_op_sets_every_tuning_conf_and_is_refused_values_outside_the_rules(session: Session) -> None:
    groups.ensure_default_group(session)
    group = get_group(session, "default")
    confs = {rule.key: rule.choices[-1] if rule.choices else _SAMPLES[rule.kind] for rule in TUNING_CONFS}
    _save(session, group, confs, OP)
    assert group.spark_confs == confs
    with pytest.raises(ChangeForbidden) as refused:
        _save(
            session,
            group,
            {**confs, "spark.io.compression.codec": "org.example.Codec", "spark.executor.memory": "${x}"},
            OP,
        )
    assert "spark.io.compression.codec ('org.example.Codec' is not one of lz4, lzf, snappy, zstd)" in str(
        refused.value
    )
    assert "spark.executor.memory ('${x}' is not a size like 512m, 2g or 64k)" in str(refused.value)
    assert group.spark_confs == confs


_SAMPLES = {
    "size": "512m",
    "size_or_off": "-1",
    "count": "0",
    "positive": "3",
    "number": "1.5",
    "fraction": "0.6",
    "boolean": "TRUE",
    "duration": "120s",
    "cpu": "500m",
    "name": "root.etl",
    "tags": "etl,nightly",
    "time_zone": "Europe/Paris",
    "filesystem_url": "hdfs://nn.example.com:8020/user",
}
# What an allowed key must never carry: paths, programs, references, shell syntax ...
_HOSTILE = [
    "com.example.Outer$Inner",
    "/tmp/evil.sh",
    "file:///tmp/x",
    "${env:HOME}",
    "$(id)",
    "1; touch /tmp/x",
    "1 2",
    "hdfs://nn:8020,file:///tmp",
    "",
]
# ... and class names, except in the two labels YARN shows and Spark never loads (a queue "root.Etl").
_CLASS_NAMES = ["org.example.Evil", "1g,org.example.Evil"]
_LABELS = ("name", "tags")


@pytest.mark.parametrize("rule", TUNING_CONFS, ids=lambda rule: rule.key)
def test_each_rule_takes_its_kind_and_nothing_that_names_code(rule) -> None:  # type: ignore[no-untyped-def]
    samples = rule.choices if rule.kind == "choice" else (_SAMPLES[rule.kind],)
    for value in samples:
        assert why_code(rule.key, value) is None, (rule.key, value)
        assert why_code(rule.key, f" {value.upper()} ") is None, (rule.key, value)
    for value in _HOSTILE + ([] if rule.kind in _LABELS else _CLASS_NAMES):
        assert why_code(rule.key, value) == f"{value.strip()!r} is not {rule.expected}", (rule.key, value)
    if rule.key.startswith("spark.hadoop."):
        for value in samples:
            assert not hadoop_code.is_code_property(rule.key.removeprefix("spark.hadoop."), value)


def test_the_list_is_unique_and_its_patterns_read_the_same_in_javascript() -> None:
    keys = [rule.key for rule in TUNING_CONFS]
    assert len(keys) == len(set(keys)) and all(re.fullmatch(r"spark(\.[A-Za-z0-9]+)+", key) for key in keys)
    for rule in TUNING_CONFS:
        # The UI builds RegExp(`^(?:${pattern})$`, "i"): no inline flags, look-arounds, named groups or
        # escapes other than `\.`, whose meaning differs between the two engines.
        assert "(?" not in rule.pattern and re.sub(r"\\\.", "", rule.pattern).count("\\") == 0, rule.key
        assert not set(rule.pattern) & set("^$"), rule.key
        assert all(re.fullmatch(r"[A-Za-z0-9]+", choice) for choice in rule.choices), rule.key
        assert rule.description and rule.expected


def test_the_user_guide_lists_exactly_the_tuning_confs() -> None:
    # The guide's table is what Op users read; it must not drift from what the server allows.
    text = USER_GUIDE.read_text(encoding="utf-8")
    start, end = text.index("<!-- tuning-confs:start -->"), text.index("<!-- tuning-confs:end -->")
    listed = re.findall(r"`(spark\.[A-Za-z0-9.]+)`", text[start:end])
    assert len(listed) == len(set(listed))
    assert set(listed) == {rule.key for rule in TUNING_CONFS}
