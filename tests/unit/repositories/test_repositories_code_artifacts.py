"""Code artifacts on a real local object store: versions, restore, the manifest workers read, refusals."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from wfo.repositories.code_artifacts import CodeArtifacts, fetch_code_artifact
from wfo.repositories.errors import NotFoundError, NotTextError
from wfo.repositories.files import Upload
from wfo.storage.errors import ExtensionNotAllowedError, FileTooLargeError, UnsafeNameError
from wfo.storage.objectstore import ObjectStore


def _upload(name: str, data: bytes) -> Upload:
    return Upload(name, io.BytesIO(data), len(data))


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore((tmp_path / "store").as_uri())


@pytest.fixture
def repo(store: ObjectStore, tmp_path: Path) -> CodeArtifacts:
    return CodeArtifacts(store, lock_dir=tmp_path / "locks", max_file_bytes=4096)


def test_versions_follow_the_contract_layout(repo: CodeArtifacts, store: ObjectStore, tmp_path: Path) -> None:
    first = repo.upload([_upload("job.py", b"print(1)\n"), _upload("lib.jar", b"PK\x03\x04\x00bin")], "dev")
    assert [(r.name, r.version, r.unchanged) for r in first] == [("job.py", 1, False), ("lib.jar", 1, False)]
    second = repo.upload([_upload("job.py", b"print(2)\n")], "dev2")
    assert (second[0].version, second[0].unchanged) == (2, False)

    root = tmp_path / "store" / "code-artifacts" / "job.py"
    assert (root / "v1" / "job.py").read_bytes() == b"print(1)\n"
    assert (root / "v2" / "job.py").read_bytes() == b"print(2)\n"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["name"] == "job.py" and manifest["latest"] == 2
    assert [(v["version"], v["uploaded_by"], v["size"]) for v in manifest["versions"]] == [
        (1, "dev", 9),
        (2, "dev2", 9),
    ]
    assert manifest["versions"][1]["sha256"] == hashlib.sha256(b"print(2)\n").hexdigest()


def test_identical_bytes_add_no_version(repo: CodeArtifacts, tmp_path: Path) -> None:
    repo.upload([_upload("job.py", b"same")], "dev")
    again = repo.upload([_upload("job.py", b"same")], "dev")
    assert (again[0].version, again[0].unchanged) == (1, True)
    assert [v.version for v in repo.get("job.py").versions] == [1]
    assert not (tmp_path / "store" / "code-artifacts" / "job.py" / "v2").exists()


def test_restore_makes_a_new_latest_and_the_worker_fetches_it(
    repo: CodeArtifacts, store: ObjectStore, tmp_path: Path
) -> None:
    for content in (b"v1\n", b"v2\n", b"v3\n"):
        repo.upload([_upload("job.py", content)], "dev")
    restored = repo.restore("job.py", 1, "admin")
    assert (restored.version, restored.unchanged) == (4, False)
    manifest = repo.get("job.py")
    assert (
        manifest.latest == 4
        and manifest.current.restored_from == 1
        and manifest.current.uploaded_by == "admin"
    )
    assert repo.restore("job.py", 4, "admin").unchanged  # restoring the latest is a no-op

    worker = tmp_path / "worker"
    assert fetch_code_artifact("job.py", worker, store=store).read_bytes() == b"v1\n"
    assert fetch_code_artifact("job.py", worker, version=3, store=store).read_bytes() == b"v3\n"
    with pytest.raises(NotFoundError, match="no version 9"):
        fetch_code_artifact("job.py", worker, version=9, store=store)
    with pytest.raises(NotFoundError):
        fetch_code_artifact("nope.py", worker, store=store)
    with pytest.raises(NotFoundError):
        repo.restore("job.py", 9, "admin")


def test_worker_helper_needs_only_the_object_store(repo: CodeArtifacts, tmp_path: Path) -> None:
    """A fresh interpreter with no Airflow config, DB or FastAPI fetches the latest version."""
    repo.upload([_upload("job.py", b"old")], "dev")
    repo.upload([_upload("job.py", b"latest")], "dev")
    script = (
        "import sys\n"
        "from wfo.repositories.code_artifacts import fetch_code_artifact\n"
        "from wfo.storage.objectstore import ObjectStore\n"
        f"p = fetch_code_artifact('job.py', {str(tmp_path / 'w')!r}, store=ObjectStore({(tmp_path / 'store').as_uri()!r}))\n"
        "print(p.read_text())\n"
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'airflow', 'wfo.db', 'wfo.plugin') if m in sys.modules]\n"
        "print('loaded:', bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PATH": "/usr/bin"}
    ).stdout
    assert out.splitlines() == ["latest", "loaded: []"]


def test_text_view_and_binary_refusal(repo: CodeArtifacts) -> None:
    repo.upload(
        [
            _upload("q.sql", "select 'é';\n".encode()),
            _upload("lib.jar", b"PK\x03\x04\x00\xff"),
            _upload("latin.txt", "café".encode("latin-1")),
        ],
        "dev",
    )
    entry, text = repo.text("q.sql")
    assert text == "select 'é';\n" and entry.text
    for name in ("lib.jar", "latin.txt"):
        assert not repo.get(name).current.text
        with pytest.raises(NotTextError, match="binary"):
            repo.text(name)


def test_search_is_a_case_insensitive_substring(repo: CodeArtifacts) -> None:
    repo.upload(
        [_upload("Ratings_Job.py", b"1"), _upload("other.sql", b"2"), _upload("ratings.jar", b"3")], "dev"
    )
    assert [m.name for m in repo.search("RATINGS")] == ["ratings.jar", "Ratings_Job.py"]
    assert [m.name for m in repo.search(None)] == ["other.sql", "ratings.jar", "Ratings_Job.py"]
    assert repo.search("nothing") == []


def test_delete_removes_every_version(repo: CodeArtifacts, tmp_path: Path) -> None:
    repo.upload([_upload("job.py", b"1")], "dev")
    repo.upload([_upload("job.py", b"2")], "dev")
    assert repo.delete("job.py") == 2
    assert not (tmp_path / "store" / "code-artifacts" / "job.py").exists()
    assert repo.search() == []
    with pytest.raises(NotFoundError):
        repo.delete("job.py")
    # A new upload after a delete starts again at version 1.
    assert repo.upload([_upload("job.py", b"3")], "dev")[0].version == 1


@pytest.mark.parametrize(
    ("name", "error"),
    [("../job.py", UnsafeNameError), ("a/b.py", UnsafeNameError), ("run.exe", ExtensionNotAllowedError)],
)
def test_refusals_store_nothing(repo: CodeArtifacts, name: str, error: type) -> None:
    with pytest.raises(error):
        repo.upload([_upload("fine.py", b"x"), _upload(name, b"x")], "dev")
    assert repo.search() == []


def test_size_limit(repo: CodeArtifacts) -> None:
    with pytest.raises(FileTooLargeError):
        repo.upload([_upload("big.py", b"x" * 4097)], "dev")
    with pytest.raises(FileTooLargeError):  # the declared size lied: the stream is cut at the limit
        repo.upload([Upload("big.py", io.BytesIO(b"x" * 9000), 1)], "dev")
    assert repo.search() == []


def test_concurrent_uploads_of_one_name_lose_no_version(repo: CodeArtifacts) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(lambda i: repo.upload([_upload("job.py", f"{i}".encode())], "dev")[0], range(16))
        )
    assert sorted(r.version for r in results) == list(range(1, 17))
    manifest = repo.get("job.py")
    assert manifest.latest == 16 and len(manifest.versions) == 16
    contents = set()
    for entry in manifest.versions:
        _, stream = repo.open("job.py", entry.version)
        with stream:
            contents.add(stream.read())
    assert len(contents) == 16
