"""The config-group services' database: a throwaway Airflow database with only the tables involved.

Ours, Airflow's `connection` and `team` are created in the SQLite database of this pytest process's
throwaway AIRFLOW_HOME, so no migration runs; each test starts with no group and no connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete
from sqlalchemy.orm import Session

from wfo.db.models import ConfigGroup, ConfigGroupFile, metadata


@pytest.fixture(scope="session")
def _tables() -> None:
    from airflow import settings
    from airflow.models import Connection
    from airflow.models.base import Base as AirflowBase
    from airflow.models.team import Team

    AirflowBase.metadata.create_all(settings.engine, tables=[Team.__table__, Connection.__table__])
    metadata.create_all(settings.engine)


@pytest.fixture
def session(_tables: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Session]:
    from airflow.models import Connection
    from airflow.models.crypto import get_fernet
    from airflow.utils.session import create_session

    from wfo.clusters.signing import ensure_signing_key
    from wfo.settings import get_settings

    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", Fernet.generate_key().decode())
    # Publishing signs each snapshot with the key in WFO_HOME; reading verifies it with the public key.
    monkeypatch.setenv("WFO_HOME", str(tmp_path))
    monkeypatch.setenv("WFO_SIGNING_PUBLIC_KEY", ensure_signing_key(tmp_path))
    get_settings.cache_clear()
    get_fernet.cache_clear()
    with create_session(scoped=False) as session:
        session.execute(delete(ConfigGroupFile))
        session.execute(delete(ConfigGroup))
        session.execute(delete(Connection))
    with create_session(scoped=False) as session:
        yield session
    get_fernet.cache_clear()
    get_settings.cache_clear()
