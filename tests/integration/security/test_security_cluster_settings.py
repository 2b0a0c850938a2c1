"""Issue 10 item 1, the exploit as the test: an Op cannot make a config group run code on the workers.

The red-team chain: an Op saved on the default group `spark.driver.log.persistToDfs.enabled` +
`spark.driver.log.dfsDir` + `spark.driver.log.layout` (the driver log becomes an executable file whose lines
the Op chose), then `spark.driver.resource.gpu.discoveryScript` pointing at it (Spark runs it), and the next
Spark task ran the shell command. Spark confs are now judged by an allow-list of tuning settings: each
step is refused with 403 through the API and through an import, and the group stays as it was. A
Developer may still set them (code settings are theirs); an Op may still tune.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password, tar_gz

pytestmark = pytest.mark.integration
SPARK = "/config-groups/default/spark"
CODE_RIGHT = "can_edit on WFO Cluster Code Settings (Developer or Admin)"


def _api(platform: Platform, user: str, method: str, path: str, **kwargs: Any) -> Response:
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.api(method, path, user=user, password=password, **kwargs)


@pytest.fixture
def chain() -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    folder = f"/tmp/wfo-attack-{uuid.uuid4().hex[:8]}"
    write = {
        "spark.driver.log.persistToDfs.enabled": "true",
        "spark.driver.log.dfsDir": f"file://{folder}",
        "spark.driver.log.layout": f"#!/bin/sh%ntouch {folder}/pwned%n",
    }
    run = {"spark.driver.resource.gpu.discoveryScript": f"{folder}/driver.log"}
    yield write, run


@pytest.fixture
def default_spark(platform: Platform) -> Iterator[dict[str, Any]]:
    """The default group's Spark section now, put back as it was whatever the test did."""
    before = _api(platform, "admin", "GET", SPARK, expected=(200,)).json()
    yield before
    settings = {key: before[key] for key in ("arguments", "confs", "spark_home")}
    _api(platform, "admin", "PUT", SPARK, json_body=settings, expected=(200,))


def _body(section: dict[str, Any], confs: dict[str, str]) -> dict[str, Any]:
    merged = {**section["confs"], **confs}
    return {"arguments": section["arguments"], "confs": merged, "spark_home": section["spark_home"]}


def _refused(response: Response, keys: dict[str, str]) -> None:
    assert response.status == 403, response.body[:500]
    detail = response.json()["detail"]
    for key in keys:
        assert f"{key} (not on the list of tuning settings)" in detail, detail
    assert CODE_RIGHT in detail


def test_op_cannot_save_the_chain_on_the_default_group(
    platform: Platform, chain: tuple[dict[str, str], dict[str, str]], default_spark: dict[str, Any]
) -> None:
    write, run = chain
    for confs in (write, run, {**write, **run}):
        _refused(_api(platform, "op_user", "PUT", SPARK, json_body=_body(default_spark, confs)), confs)
    after = _api(platform, "admin", "GET", SPARK).json()
    assert (after["arguments"], after["confs"]) == (default_spark["arguments"], default_spark["confs"])
    events = _api(platform, "admin", "GET", "/audit/events?action=config_group.spark.update&limit=20").json()
    assert any(
        e["user"] == "op_user" and e["outcome"] == "denied" and "discoveryScript" in json.dumps(e["details"])
        for e in events["events"]
    )


def _default_group_archive(platform: Platform, change: dict[str, str], hadoop: bytes | None = None) -> bytes:
    """The export of the default group (only it), with `change` added to its confs."""
    export = platform.request("GET", "/api/configs/", token=platform.token(), expected=(200,)).body
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(export), mode="r:gz") as archive:
        for member in archive.getmembers():
            wanted = member.name == "configs/manifest.json" or member.name.startswith("configs/default/")
            if member.isfile() and wanted:
                members[member.name] = archive.extractfile(member).read()  # type: ignore[union-attr]
    manifest = json.loads(members["configs/manifest.json"])
    members["configs/manifest.json"] = json.dumps({**manifest, "default": None}).encode()
    document = json.loads(members["configs/default/group.json"])
    document["spark"]["confs"].update(change)
    members["configs/default/group.json"] = json.dumps(document).encode()
    if hadoop is not None:
        members["configs/default/hadoop/core-site.xml"] = hadoop
    return tar_gz(members)


def _import_as_op(platform: Platform, archive: bytes) -> Response:
    body, content_type = multipart([("configs.tar.gz", archive)], field="sources")
    token = platform.token("op_user", role_password("op_user"))
    headers = {"Content-Type": content_type}
    return platform.request("POST", "/api/configs/", data=body, token=token, headers=headers)


def test_op_cannot_import_the_chain_or_a_hadoop_class(
    platform: Platform, chain: tuple[dict[str, str], dict[str, str]], default_spark: dict[str, Any]
) -> None:
    write, run = chain
    hadoop_before = _api(platform, "admin", "GET", "/config-groups/default/hadoop").json()
    refused = _import_as_op(platform, _default_group_archive(platform, {**write, **run}))
    _refused(refused, {**write, **run})
    assert refused.json()["detail"].startswith("group 'default': ")

    # A Hadoop property naming a class is a code setting too, on import as through the API.
    core_site = (
        b"<configuration><property><name>hadoop.security.group.mapping</name>"
        b"<value>org.example.StealGroups</value></property></configuration>"
    )
    refused = _import_as_op(platform, _default_group_archive(platform, {}, hadoop=core_site))
    assert refused.status == 403, refused.body[:500]
    assert "core-site.xml: hadoop.security.group.mapping" in refused.json()["detail"]

    after = _api(platform, "admin", "GET", SPARK).json()
    assert (after["arguments"], after["confs"]) == (default_spark["arguments"], default_spark["confs"])
    assert _api(platform, "admin", "GET", "/config-groups/default/hadoop").json() == hadoop_before
    # The same archive without the code settings is an Op's to import.
    assert _import_as_op(platform, _default_group_archive(platform, {})).status == 200


def test_developer_may_save_the_chain_and_op_may_tune(
    platform: Platform, chain: tuple[dict[str, str], dict[str, str]], default_spark: dict[str, Any]
) -> None:
    write, run = chain
    saved = _api(platform, "dev_user", "PUT", SPARK, json_body=_body(default_spark, {**write, **run}))
    assert saved.status == 200, saved.body[:500]
    assert {**write, **run}.items() <= saved.json()["confs"].items()
    # Code settings are Developer's to remove as well (the fixture would put them back otherwise).
    removed = _api(platform, "dev_user", "PUT", SPARK, json_body=_body(default_spark, {}))
    assert removed.status == 200 and removed.json()["confs"] == default_spark["confs"]

    tuning = {
        "spark.executor.memory": "2g",
        "spark.executor.cores": "2",
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.maxExecutors": "8",
        "spark.sql.shuffle.partitions": "64",
        "spark.sql.adaptive.enabled": "true",
        "spark.network.timeout": "300s",
        "spark.yarn.queue": "etl",
        "spark.io.compression.codec": "zstd",
        "spark.eventLog.enabled": "false",
    }
    tuned = _api(platform, "op_user", "PUT", SPARK, json_body=_body(default_spark, tuning))
    assert tuned.status == 200, tuned.body[:500]
    assert tuning.items() <= tuned.json()["confs"].items()
    # An allowed key cannot carry a class.
    smuggled = _body(default_spark, {**tuning, "spark.io.compression.codec": "org.example.ShellCodec"})
    refused = _api(platform, "op_user", "PUT", SPARK, json_body=smuggled)
    assert refused.status == 403
    assert "'org.example.ShellCodec' is not one of lz4, lzf, snappy, zstd" in refused.json()["detail"]
    section = _api(platform, "op_user", "GET", SPARK).json()
    assert section["confs"]["spark.io.compression.codec"] == "zstd"
    rules = {rule["key"]: rule for rule in section["tuning_confs"]}
    assert rules["spark.executor.memory"]["kind"] == "size" and "spark.driver.log.dfsDir" not in rules
