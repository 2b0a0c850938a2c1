"""The config-group models: the JSON the UI reads and sends, and one validation for the API and imports."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from wfo.clusters import groups, transfer, transfer_import
from wfo.clusters.permissions import Permissions
from wfo.clusters.schemas import LivyUpdate, RuntimeSection, SparkUpdate
from wfo.clusters.stored import get_group
from wfo.clusters.validation import problems

# The runtime section as the UI and the published snapshot know it (docs, runtimeForm.ts).
DEFAULTS = {
    "dask": {
        "mode": "local",
        "scheduler_address": None,
        "local_workers": 2,
        "threads_per_worker": 1,
        "yarn": {"environment": None, "worker_vcores": 1, "worker_memory": "2 GiB", "n_workers": 2},
    },
    "python_environments": {},
    "default_python": None,
    "queue": None,
}


def test_the_runtime_section_keeps_its_shape_and_missing_keys_take_the_defaults() -> None:
    assert RuntimeSection().model_dump() == DEFAULTS
    partial = RuntimeSection.model_validate({"dask": {"yarn": {"n_workers": 5}}}).model_dump()
    assert partial == {**DEFAULTS, "dask": {**DEFAULTS["dask"], "yarn": {**DEFAULTS["dask"]["yarn"], "n_workers": 5}}}


def test_answers_document_every_runtime_field_as_present_and_requests_none_as_required() -> None:
    answer = RuntimeSection.model_json_schema(mode="serialization")
    request = RuntimeSection.model_json_schema(mode="validation")
    assert answer["required"] == ["dask", "python_environments", "default_python", "queue"]
    assert "required" not in request
    assert answer["additionalProperties"] is False


def test_livy_passwords_absent_empty_or_given_and_the_echoed_flag_is_dropped() -> None:
    update = LivyUpdate.model_validate(
        {"python": {"url": "http://l:8998", "password_set": True}, "scala": {"password": ""}}
    )
    assert update.python.password is None and update.scala.password == ""
    assert "password_set" not in update.model_dump()["python"]


def test_spark_settings_take_what_spark_writes_and_refuse_a_misspelt_section() -> None:
    update = SparkUpdate.model_validate({"arguments": {"driver-cores": 2, "jars": ["a.jar"]}, "confs": {"spark.x": True}})
    assert update.arguments == {"driver-cores": 2, "jars": ["a.jar"]} and update.confs == {"spark.x": True}
    with pytest.raises(ValidationError) as refused:
        SparkUpdate.model_validate({"conf": {"spark.x": "1"}})
    assert problems(refused.value, SparkUpdate) == {"conf": "is not a known setting (known: arguments, confs, spark_home)"}


def _archive(document: dict[str, Any]) -> io.BytesIO:
    members = {
        "configs/manifest.json": json.dumps({"format": 1, "default": None}).encode(),
        "configs/default/group.json": json.dumps(document).encode(),
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"runtime": {"dask": {"local_workers": 0}}}, "runtime.dask.local_workers: must be from 1 to 64, not 0"),
        ({"livy": {"python": {"url": "ftp://x"}}}, "livy.python.url: 'ftp://x' is not an absolute http://"),
        ({"livy": {"python": {"pasword": "x"}}}, "livy.python.pasword: is not a known setting (known: url,"),
        ({"kerberos": {"principal": 3}}, "kerberos.principal: Input should be a valid string"),
    ],
)
def test_an_import_validates_group_json_through_the_same_models(
    session: Session, document: dict[str, Any], message: str
) -> None:
    groups.ensure_default_group(session)
    admin = Permissions(can_edit_cluster=True, can_edit_code=True)
    with pytest.raises(transfer.ImportRefused) as refused:
        transfer_import.import_groups(
            session, _archive(document), dry_run=False, username="u", permissions=admin, dependencies=[]
        )
    refusal = "nothing was imported, 1 group(s) refused: default: default/group.json: "
    assert str(refused.value).startswith(refusal) and message in str(refused.value)
    assert get_group(session, "default").runtime is None and get_group(session, "default").livy == {}
