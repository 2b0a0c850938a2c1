"""The object store behaves the same on a local folder and on an fsspec backend (memory://)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsspec
import pytest

from wfo.settings import Settings
from wfo.storage import backends
from wfo.storage.backends import FsspecBackend, LocalBackend, backend_for, register_backend
from wfo.storage.errors import (
    FileTooLargeError,
    ObjectNotFoundError,
    StoreConfigurationError,
    UnsafeNameError,
)
from wfo.storage.objectstore import ObjectStore


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield ObjectStore((tmp_path / "store").as_uri())
        return
    url = f"memory://wfo-test-{uuid.uuid4().hex}/store"
    yield ObjectStore(url)
    with contextlib.suppress(FileNotFoundError):
        fsspec.filesystem("memory").rm(url, recursive=True)


def test_backend_is_chosen_by_url_scheme(tmp_path: Path) -> None:
    assert isinstance(ObjectStore(tmp_path.as_uri()).backend, LocalBackend)
    assert isinstance(ObjectStore(str(tmp_path)).backend, LocalBackend)
    assert isinstance(ObjectStore("memory://x/store").backend, FsspecBackend)


def test_bytes_round_trip_and_listing(store: ObjectStore) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    store.put_bytes("artifacts/etl.py/1/etl.py", b"print('v1')")
    store.put_bytes("artifacts/etl.py/2/etl.py", b"print('v2')")
    store.put_bytes("datasets/iris.csv", b"a,b\n")

    assert store.get_bytes("artifacts/etl.py/2/etl.py") == b"print('v2')"
    listed = store.list("artifacts")
    assert [(info.key, info.size) for info in listed] == [
        ("artifacts/etl.py/1/etl.py", 11),
        ("artifacts/etl.py/2/etl.py", 11),
    ]
    assert all(info.modified is not None and info.modified >= before for info in listed)
    assert [info.key for info in store.list()] == [
        "artifacts/etl.py/1/etl.py",
        "artifacts/etl.py/2/etl.py",
        "datasets/iris.csv",
    ]
    assert [info.key for info in store.list("datasets/iris.csv")] == ["datasets/iris.csv"]
    assert store.list("nothing/here") == []


def test_keys_are_normalised(store: ObjectStore) -> None:
    store.put_bytes("./jars//spark-xml.jar", b"PK")
    assert store.exists("jars/spark-xml.jar")
    assert store.get_bytes("jars/./spark-xml.jar") == b"PK"


@pytest.mark.parametrize(
    "key", ["../outside.txt", "a/../../outside.txt", "/etc/passwd", "a\\..\\b", "a\x00b", ""]
)
def test_keys_cannot_escape_the_root(store: ObjectStore, tmp_path: Path, key: str) -> None:
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(UnsafeNameError):
        store.put_bytes(key, b"x")
    with pytest.raises(UnsafeNameError):
        store.get_bytes(key)
    assert sorted(os.listdir(tmp_path)) == before
    assert store.list() == []


def test_missing_objects_raise_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFoundError, match="no object 'missing.py' in the store"):
        store.get_bytes("missing.py")
    with pytest.raises(ObjectNotFoundError):
        store.delete("missing.py")
    assert store.delete("missing.py", missing_ok=True) is False
    assert not store.exists("missing.py")


def test_delete_removes_the_object_only(store: ObjectStore) -> None:
    store.put_bytes("models/a/1/model.onnx", b"1")
    store.put_bytes("models/a/2/model.onnx", b"2")
    assert store.delete("models/a/1/model.onnx") is True
    assert not store.exists("models/a/1/model.onnx")
    assert [info.key for info in store.list()] == ["models/a/2/model.onnx"]
    assert store.delete_prefix("models") == 1
    assert store.list() == []


def test_files_up_and_down(store: ObjectStore, tmp_path: Path) -> None:
    local = tmp_path / "job.jar"
    data = os.urandom(300_000)
    local.write_bytes(data)
    assert store.put_file("jars/job.jar", local) == len(data)
    target = tmp_path / "worker" / "job.jar"
    assert store.download_to("jars/job.jar", target) == len(data)
    assert target.read_bytes() == data


def test_streamed_writes_appear_only_when_complete(store: ObjectStore) -> None:
    store.put_bytes("notes.txt", b"version 1")
    with pytest.raises(RuntimeError), store.open("notes.txt", "wb") as handle:
        handle.write(b"half of version 2")
        raise RuntimeError("client went away")
    assert store.get_bytes("notes.txt") == b"version 1"

    with store.open("notes.txt", "wb") as handle:
        handle.write(b"version 2")
    with store.open("notes.txt") as handle:
        assert handle.read() == b"version 2"


def test_oversized_upload_is_refused_and_not_stored(store: ObjectStore, tmp_path: Path) -> None:
    with pytest.raises(FileTooLargeError, match="limit of 1.0 KiB"):
        store.put_stream("big.bin", io.BytesIO(bytes(4096)), max_bytes=1024)
    with pytest.raises(FileTooLargeError):
        store.put_bytes("big.bin", bytes(4096), max_bytes=1024)
    local = tmp_path / "big.bin"
    local.write_bytes(bytes(4096))
    with pytest.raises(FileTooLargeError):
        store.put_file("big.bin", local, max_bytes=1024)
    assert not store.exists("big.bin")
    assert store.list() == []
    store.put_bytes("small.bin", b"ok")
    with pytest.raises(FileTooLargeError, match="'small.bin'"):
        store.get_bytes("small.bin", max_bytes=1)


def test_local_store_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = ObjectStore((tmp_path / "store").as_uri())
    store.put_bytes("a/b.txt", b"x")
    with pytest.raises(FileTooLargeError):
        store.put_stream("a/c.txt", io.BytesIO(bytes(100)), max_bytes=10)
    assert sorted(p.name for p in (tmp_path / "store").rglob("*")) == ["a", "b.txt"]


def test_local_store_refuses_symlinks_leading_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    root = tmp_path / "store"
    root.mkdir()
    (root / "link").symlink_to(outside)
    store = ObjectStore(root.as_uri())
    with pytest.raises(UnsafeNameError, match="resolves outside the store"):
        store.get_bytes("link/secret.txt")
    with pytest.raises(UnsafeNameError):
        store.put_bytes("link/new.txt", b"x")
    assert os.listdir(outside) == ["secret.txt"]


def test_default_store_lives_under_wfo_home(tmp_path: Path) -> None:
    store = ObjectStore.from_settings(Settings(home=tmp_path))
    store.put_bytes("x.txt", b"x")
    assert (tmp_path / "store" / "x.txt").read_bytes() == b"x"


def test_store_url_from_settings_may_be_any_fsspec_url() -> None:
    url = f"memory://wfo-test-{uuid.uuid4().hex}"
    store = ObjectStore.from_settings(Settings(home=Path("/nonexistent"), object_store_url=url))
    store.put_bytes("k", b"v")
    assert fsspec.filesystem("memory").cat_file(f"{url}/k") == b"v"


def test_unknown_scheme_gives_a_clear_error() -> None:
    with pytest.raises(StoreConfigurationError, match="no file system is available for nosuch://"):
        ObjectStore("nosuch://bucket/x")


def test_remote_file_url_is_refused() -> None:
    with pytest.raises(StoreConfigurationError, match="remote host"):
        ObjectStore("file://fileserver/share")


def test_backends_can_be_registered_per_scheme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "_REGISTRY", dict(backends._REGISTRY))
    register_backend("wfocustom", lambda url, conn_id: LocalBackend(str(tmp_path)))
    backend = backend_for("wfocustom://anything")
    assert isinstance(backend, LocalBackend)
    assert backend.root == tmp_path


def test_storage_modules_import_nothing_heavy() -> None:
    code = (
        "import sys, wfo.storage.objectstore, wfo.storage.archives, wfo.storage.tarball, wfo.storage.xml;"
        "print(sorted(m for m in ('airflow', 'fsspec', 'pandas', 'fastapi', 'pyspark') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_local_store_root_with_spaces_in_its_url(tmp_path: Path) -> None:
    root = tmp_path / "my store"
    store = ObjectStore(root.as_uri())
    store.put_bytes("a.txt", b"x")
    assert (root / "a.txt").read_bytes() == b"x"
