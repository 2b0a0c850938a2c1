"""Object-store credentials come from an Airflow connection through Airflow's own object-storage layer.

A stand-in filesystem is registered for the scheme `wfotest` the way a provider registers s3 or gs:
its `get_fs(conn_id, options)` looks the connection up with the normal Airflow lookup (here from an
`AIRFLOW_CONN_*` variable) and configures the filesystem with it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from wfo.settings import Settings
from wfo.storage.errors import StoreConfigurationError
from wfo.storage.objectstore import ObjectStore

pytestmark = pytest.mark.integration


class CredentialedMemoryFileSystem(MemoryFileSystem):  # type: ignore[misc]
    protocol = ("wfotest",)


def wfotest_get_fs(conn_id: str | None, storage_options: dict[str, Any] | None = None) -> MemoryFileSystem:
    from airflow.sdk import BaseHook

    login = BaseHook.get_connection(conn_id).login if conn_id else None
    return CredentialedMemoryFileSystem(login=login, **(storage_options or {}))


@pytest.fixture
def wfotest_scheme(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import airflow.sdk.io.fs as airflow_fs
    import airflow.sdk.io.store as airflow_store

    registered = dict(airflow_fs._register_filesystems())
    registered["wfotest"] = wfotest_get_fs
    monkeypatch.setattr(airflow_fs, "_register_filesystems", lambda: registered)
    monkeypatch.setattr(airflow_store, "_STORE_CACHE", {})
    monkeypatch.setenv(
        "AIRFLOW_CONN_WFO_STORE_TEST", '{"conn_type": "generic", "login": "alice", "password": "s3cret-pw"}'
    )
    url = f"wfotest://bucket-{uuid.uuid4().hex}/store"
    yield url
    with contextlib.suppress(FileNotFoundError):
        MemoryFileSystem().rm(url.replace("wfotest://", "/"), recursive=True)


def test_store_uses_the_connection_named_in_the_settings(wfotest_scheme: str) -> None:
    settings = Settings(
        home=Path("/nonexistent"), object_store_url=wfotest_scheme, object_store_conn_id="wfo_store_test"
    )
    store = ObjectStore.from_settings(settings)

    fs = store.backend.fs
    assert fs.storage_options["login"] == "alice"
    store.put_bytes("jars/a.jar", b"PK")
    assert store.get_bytes("jars/a.jar") == b"PK"
    assert [info.key for info in store.list()] == ["jars/a.jar"]


def test_missing_connection_is_a_clear_configuration_error(wfotest_scheme: str) -> None:
    with pytest.raises(StoreConfigurationError, match="connection 'no_such_conn' does not exist"):
        ObjectStore(wfotest_scheme, "no_such_conn")


def test_scheme_without_an_airflow_provider_names_what_to_install() -> None:
    with pytest.raises(StoreConfigurationError, match="install the Airflow provider"):
        ObjectStore(f"memory://x-{uuid.uuid4().hex}", "wfo_store_test")
