"""Reading a published group refuses what wfo did not sign for it, with an error that says how to repair it.

Connections are written in the throwaway Airflow database of this pytest process (tables created directly),
the way an attacker with database or Admin access would: straight into the connection's extra.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wfo.clusters import published
from wfo.clusters.published import SnapshotNotTrusted, load_group_snapshot
from wfo.clusters.signing import ensure_signing_key
from wfo.settings import get_settings

REPUBLISH = "republish it from wfo (any change in the Config groups page, or restart `wfo up`)"


def _snapshot(name: str, confs: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "format": 1,
        "name": name,
        "is_default": name == "default",
        "spark": {"arguments": {"master": "local[*]"}, "confs": confs or {}},
        "hadoop_files": {},
        "keytabs": {},
        "livy": {"python": {"url": "", "auth": "None", "username": "", "password": "livy-pw-1"}},
    }


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Session]:
    from airflow import settings
    from airflow.models import Connection
    from airflow.models.base import Base as AirflowBase
    from airflow.models.team import Team
    from airflow.utils.session import create_session

    AirflowBase.metadata.create_all(settings.engine, tables=[Team.__table__, Connection.__table__])
    monkeypatch.setenv("WFO_HOME", str(tmp_path))
    monkeypatch.setenv("WFO_SIGNING_PUBLIC_KEY", ensure_signing_key(tmp_path))
    get_settings.cache_clear()
    with create_session(scoped=False) as session:
        session.execute(delete(Connection))
        published._put_connection(session, published.INDEX_CONN_ID, {"format": 1, "default": "default"}, "")
        for name in ("default", "dev"):
            published._put_connection(session, published.conn_id_for(name), _snapshot(name), "")
    with create_session(scoped=False) as session:
        yield session
    get_settings.cache_clear()


def _rewrite(session: Session, conn_id: str, change: Any) -> None:
    from airflow.models import Connection

    conn = session.scalar(select(Connection).where(Connection.conn_id == conn_id))
    assert conn is not None
    extra = json.loads(conn.extra)
    conn.set_extra(json.dumps(change(extra)))
    session.commit()


def test_what_wfo_published_is_read_without_its_signature(session: Session) -> None:
    snapshot = load_group_snapshot()
    assert snapshot == _snapshot("default")
    assert load_group_snapshot("dev")["name"] == "dev"


def test_an_added_conf_is_refused_with_the_group_and_the_repair(session: Session) -> None:
    def add_conf(extra: dict[str, Any]) -> dict[str, Any]:
        extra["spark"]["confs"]["spark.driver.extraJavaOptions"] = "-javaagent:/tmp/evil.jar"
        return extra

    _rewrite(session, "wfo_config_group_default", add_conf)
    for name in ("default", None):
        with pytest.raises(SnapshotNotTrusted) as caught:
            load_group_snapshot(name)
        message = str(caught.value)
        assert "config group 'default'" in message and "changed outside wfo" in message
        assert REPUBLISH in message and "evil" not in message
    assert load_group_snapshot("dev")["name"] == "dev", "the other groups still work"


def test_an_unsigned_snapshot_is_refused(session: Session) -> None:
    _rewrite(session, "wfo_config_group_dev", lambda extra: _snapshot("dev"))
    with pytest.raises(SnapshotNotTrusted, match=r"config group 'dev' .* not signed by wfo"):
        load_group_snapshot("dev")


def test_another_groups_signed_snapshot_is_refused(session: Session) -> None:
    from airflow.models import Connection

    dev = session.scalar(select(Connection).where(Connection.conn_id == "wfo_config_group_dev"))
    assert dev is not None
    _rewrite(session, "wfo_config_group_default", lambda extra: json.loads(dev.extra))
    with pytest.raises(SnapshotNotTrusted, match="holds a copy of config group 'dev'"):
        load_group_snapshot("default")


def test_a_redirected_default_is_refused(session: Session) -> None:
    def redirect(extra: dict[str, Any]) -> dict[str, Any]:
        extra["default"] = "dev"
        return extra

    _rewrite(session, published.INDEX_CONN_ID, redirect)
    with pytest.raises(SnapshotNotTrusted, match=r"the index of config groups .* changed outside wfo"):
        load_group_snapshot()


def test_a_worker_without_the_public_key_says_what_to_export(
    session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WFO_SIGNING_PUBLIC_KEY", "")
    monkeypatch.setenv("WFO_HOME", str(tmp_path / "remote-worker"))
    get_settings.cache_clear()
    with pytest.raises(SnapshotNotTrusted, match=r"config group 'dev' cannot be checked: .*`wfo env`"):
        load_group_snapshot("dev")


def test_connections_are_published_with_a_type_that_is_a_valid_uri_scheme(session: Session) -> None:
    from airflow.models import Connection

    stored = session.scalars(select(Connection).order_by(Connection.conn_id)).all()
    assert {c.conn_type for c in stored} == {"wfo-config-group"}
    # RFC 3986 schemes have no "_" (Airflow warns about each connection whose type has one); read back
    # from its URI, as a secrets cache or an AIRFLOW_CONN_ variable gives it, it is still wfo's type.
    uri = stored[0].get_uri()
    assert uri.startswith("wfo-config-group://")
    assert published.is_published_type(Connection(conn_id="x", uri=uri).conn_type)


@pytest.mark.parametrize(
    "spelling", ["wfo-config-group", "wfo_config_group", "WFO-Config-Group", " wfo_config_group"]
)
def test_every_spelling_of_wfos_type_is_recognised(spelling: str) -> None:
    assert published.is_published_type(spelling)


@pytest.mark.parametrize(
    "other", ["", "spark", "wfo", "wfo-config-groups", "wfo_config_group_default", "http"]
)
def test_other_types_are_not_wfos(other: str) -> None:
    assert not published.is_published_type(other)


def test_connections_left_with_the_old_type_still_verify_and_are_converted(session: Session) -> None:
    from airflow.models import Connection
    from sqlalchemy import update

    # As an earlier wfo published them (the signature covers the id and the content, not the type).
    session.execute(update(Connection).values(conn_type="wfo_config_group"))
    session.add(Connection(conn_id="reporting_db", conn_type="postgres"))
    session.commit()
    assert load_group_snapshot()["name"] == "default"

    assert published.convert_old_connections(session) == 3
    session.commit()
    types = dict(session.execute(select(Connection.conn_id, Connection.conn_type)).tuples().all())
    assert types == {
        "reporting_db": "postgres",
        "wfo_config_group_default": "wfo-config-group",
        "wfo_config_group_dev": "wfo-config-group",
        "wfo_config_groups": "wfo-config-group",
    }
    assert load_group_snapshot()["name"] == "default" and load_group_snapshot("dev")["name"] == "dev"
    assert published.convert_old_connections(session) == 0
