"""The Spark engine setting of a config group: what a PUT accepts, the messages of what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wfo.clusters.spark_engine import SparkEngine, SparkEngineUpdate, engine_from_snapshot
from wfo.clusters.validation import problems


def test_the_default_is_spark_submit_and_a_get_has_exactly_the_contract_keys() -> None:
    assert SparkEngine().model_dump() == {"engine": "submit", "url": None}


@pytest.mark.parametrize(
    "url",
    ["sc://spark-connect.example.com:15002", "sc://10.0.0.7:15002", "sc://[2001:db8::1]:443", " sc://h:1 "],
)
def test_remote_urls_are_accepted(url: str) -> None:
    assert SparkEngineUpdate(engine="connect", url=url).url == url.strip()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"engine": "livy"}, "engine: must be 'submit' or 'connect', not 'livy'"),
        ({"engine": "connect", "url": "http://h:15002"}, "url: must look like sc://host:port"),
        ({"engine": "connect", "url": "sc://h"}, "url: must look like sc://host:port"),
        ({"engine": "connect", "url": "sc://h:15002/;token=abc"}, "url: must look like sc://host:port"),
        ({"engine": "connect", "url": "sc://user@h:15002"}, "url: has an invalid host name"),
        ({"engine": "connect", "url": "sc://h:99999"}, "url: has port 99999, which is not from 1 to 65535"),
        ({"engine": "connect", "url": "sc://[1::2::3]:1"}, "url: has an invalid IPv6 address"),
        ({"engine": "connect", "url": 15002}, "url: must be a string like sc://"),
        ({"engine": "connect", "remote": "sc://h:1"}, "remote"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_setting(
    payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        SparkEngineUpdate.model_validate(payload)
    found = "; ".join(f"{key}: {text}" for key, text in problems(raised.value, SparkEngineUpdate).items())
    assert message in found


def test_a_snapshot_published_before_the_setting_means_spark_submit() -> None:
    assert engine_from_snapshot({"name": "old"}) == {"engine": "submit", "url": None, "token": ""}
    published = {"spark_engine": {"engine": "connect", "url": None, "token": ""}}
    assert engine_from_snapshot(published)["engine"] == "connect"


def test_setting_the_default_engine_on_a_group_that_never_set_one_is_no_change(session: Any) -> None:
    """An Op imports an unchanged export (its engine: "submit") of a group that never set one: nothing
    changes, so nothing is refused; choosing Spark Connect is a code setting and is."""
    from wfo.clusters.errors import ChangeForbidden
    from wfo.clusters.permissions import Permissions
    from wfo.clusters.spark_engine import update_engine
    from wfo.db.models import ConfigGroup

    group = ConfigGroup(name="plain", runtime={})
    session.add(group)
    session.flush()
    op = Permissions(can_edit_cluster=True, can_edit_code=False)
    saved = update_engine(session, group, SparkEngineUpdate(engine="submit", url=None), "op", op)
    assert saved.changes["changed"] == []
    with pytest.raises(ChangeForbidden, match="the Spark engine decides where PySpark code runs"):
        update_engine(session, group, SparkEngineUpdate(engine="connect", url=None), "op", op)
