"""The Spark dependencies repository on a real local object store: rules, refusals, import/export."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from wfo.repositories.errors import ImportRefusedError, InUseError, InvalidUploadError, NotFoundError
from wfo.repositories.files import Upload
from wfo.repositories.spark_dependencies import SparkDependencies, fetch_spark_dependency
from wfo.storage.errors import (
    ExtensionNotAllowedError,
    FileTooLargeError,
    UnsafeArchiveError,
    UnsafeNameError,
)
from wfo.storage.objectstore import ObjectStore


def _store(tmp_path: Path, name: str = "store") -> ObjectStore:
    return ObjectStore((tmp_path / name).as_uri())


def _upload(name: str, data: bytes) -> Upload:
    return Upload(name, io.BytesIO(data), len(data))


def _tar(members: dict[str, bytes], *, prefix: str = "") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _state(repo: SparkDependencies) -> dict[str, bytes]:
    result = {}
    for dependency in repo.files():
        with repo.open(dependency.name) as stream:
            result[dependency.name] = stream.read()
    return result


@pytest.fixture
def repo(tmp_path: Path) -> SparkDependencies:
    return SparkDependencies(_store(tmp_path), max_file_bytes=1024)


def test_upload_several_list_and_fetch(repo: SparkDependencies, tmp_path: Path) -> None:
    names = repo.upload(
        [_upload("a.jar", b"jar bytes"), _upload("lib.py", b"print(1)\n"), _upload("b.EGG", b"e")]
    )
    assert names == ["a.jar", "lib.py", "b.EGG"]
    listed = {d.name: (d.size, d.kind) for d in repo.files()}
    assert listed == {"a.jar": (9, "jar"), "lib.py": (9, "py"), "b.EGG": (1, "egg")}
    path = fetch_spark_dependency("a.jar", tmp_path / "worker", store=repo.store)
    assert path == tmp_path / "worker" / "a.jar" and path.read_bytes() == b"jar bytes"
    with pytest.raises(NotFoundError):
        fetch_spark_dependency("missing.jar", tmp_path / "worker", store=repo.store)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("../x.jar", UnsafeNameError),
        ("dir/x.jar", UnsafeNameError),
        ("x\x00.jar", UnsafeNameError),
        ("nul.jar", UnsafeNameError),
        ("x.exe", ExtensionNotAllowedError),
        (".jar", ExtensionNotAllowedError),
        ("x.jar.sh", ExtensionNotAllowedError),
    ],
)
def test_bad_names_refuse_the_whole_upload(repo: SparkDependencies, name: str, error: type) -> None:
    with pytest.raises(error):
        repo.upload([_upload("good.jar", b"ok"), _upload(name, b"x")])
    assert repo.files() == []


def test_size_limit_and_duplicates_refuse_before_any_write(repo: SparkDependencies) -> None:
    with pytest.raises(FileTooLargeError, match="limit of 1.0 KiB"):
        repo.upload([_upload("good.jar", b"ok"), _upload("big.jar", b"x" * 1025)])
    # A stream longer than it claimed is cut at the limit, and nothing is stored.
    with pytest.raises(FileTooLargeError):
        repo.upload([Upload("liar.jar", io.BytesIO(b"x" * 5000), 10)])
    with pytest.raises(InvalidUploadError, match="twice"):
        repo.upload([_upload("a.jar", b"1"), _upload("a.jar", b"2")])
    with pytest.raises(InvalidUploadError):
        repo.upload([])
    assert repo.files() == []


def test_delete_refused_while_a_group_uses_it(repo: SparkDependencies) -> None:
    repo.upload([_upload("a.jar", b"1")])
    with pytest.raises(InUseError, match="groupA") as info:
        repo.delete("a.jar", lambda name: ["groupA"] if name == "a.jar" else [])
    assert info.value.users == ["groupA"] and repo.exists("a.jar")
    repo.delete("a.jar", lambda name: [])
    assert not repo.exists("a.jar")
    with pytest.raises(NotFoundError):
        repo.delete("a.jar")


def test_export_is_deterministic_and_round_trips_into_an_empty_store(
    repo: SparkDependencies, tmp_path: Path
) -> None:
    repo.upload([_upload("a.jar", b"jar"), _upload("z.py", b"print()\n")])
    first, second = io.BytesIO(), io.BytesIO()
    repo.export_tar_gz(first)
    repo.export_tar_gz(second)
    assert first.getvalue() == second.getvalue()
    with tarfile.open(fileobj=io.BytesIO(first.getvalue())) as archive:
        assert archive.getnames() == ["a.jar", "z.py"]

    empty = SparkDependencies(_store(tmp_path, "other"))
    report = empty.import_archive(io.BytesIO(first.getvalue()))
    assert report.model_dump() == {
        "added": ["a.jar", "z.py"],
        "changed": [],
        "unchanged": [],
        "rejected": [],
        "held_back": [],
        "dry_run": False,
        "imported": True,
    }
    assert _state(empty) == _state(repo)
    again = empty.import_archive(io.BytesIO(first.getvalue()))
    assert again.unchanged == ["a.jar", "z.py"] and again.added == [] and again.imported is False


def test_import_reports_changes_and_dry_run_writes_nothing(repo: SparkDependencies) -> None:
    repo.upload([_upload("a.jar", b"old"), _upload("keep.jar", b"same"), _upload("other.py", b"stays")])
    archive = _tar({"a.jar": b"new", "keep.jar": b"same", "new.zip": b"z"}, prefix="dependencies/")
    before = _state(repo)
    preview = repo.import_archive(io.BytesIO(archive), dry_run=True)
    assert preview.model_dump() == {
        "added": ["new.zip"],
        "changed": ["a.jar"],
        "unchanged": ["keep.jar"],
        "rejected": [],
        "held_back": [],
        "dry_run": True,
        "imported": False,
    }
    assert _state(repo) == before
    repo.import_archive(io.BytesIO(archive))
    assert _state(repo) == {**before, "a.jar": b"new", "new.zip": b"z"}


def _hostile_archives() -> dict[str, bytes]:
    slip = _tar({"../evil.jar": b"x"})
    absolute = _tar({"/tmp/evil.jar": b"x"})
    link = io.BytesIO()
    with tarfile.open(fileobj=link, mode="w:gz") as archive:
        info = tarfile.TarInfo("link.jar")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        archive.addfile(info)
    return {
        "tar-slip": slip,
        "absolute": absolute,
        "symlink": link.getvalue(),
        "huge member": _tar({"ok.jar": b"1", "huge.jar": b"x" * 2048}),
        "not an archive": b"this is not a tar file at all",
    }


@pytest.mark.parametrize("kind", sorted(_hostile_archives()))
def test_hostile_archives_change_nothing(repo: SparkDependencies, kind: str) -> None:
    repo.upload([_upload("a.jar", b"original")])
    with pytest.raises(UnsafeArchiveError):
        repo.import_archive(io.BytesIO(_hostile_archives()[kind]))
    assert _state(repo) == {"a.jar": b"original"}


def test_bad_extensions_and_folders_are_rejected_all_or_nothing(repo: SparkDependencies) -> None:
    repo.upload([_upload("a.jar", b"original")])
    archive = _tar({"a.jar": b"changed", "run.sh": b"rm -rf /", "sub/x.jar": b"x", "b.jar": b"b"})
    with pytest.raises(ImportRefusedError) as info:
        repo.import_archive(io.BytesIO(archive))
    report = info.value.report
    rejected = {item["name"] for item in report["rejected"]}
    assert rejected == {"run.sh", "sub/x.jar"}
    assert str(info.value).startswith("nothing was imported, 2 file(s) refused: ")
    # Truthful: nothing under added or changed; the files that passed are held back.
    assert report["added"] == report["changed"] == [] and report["imported"] is False
    assert {(h["name"], h["would_be"]) for h in report["held_back"]} == {
        ("a.jar", "changed"),
        ("b.jar", "added"),
    }
    assert _state(repo) == {"a.jar": b"original"}
    # A dry run answers what the import would answer.
    with pytest.raises(ImportRefusedError) as preview:
        repo.import_archive(io.BytesIO(archive), dry_run=True)
    assert preview.value.report == {**report, "dry_run": True}


def test_groups_using_reads_the_config_groups_jars_and_py_files() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from wfo.db import metadata
    from wfo.db.models import ConfigGroup
    from wfo.repositories.spark_dependencies import groups_using

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                ConfigGroup(name="b", spark_arguments={"jars": ["a.jar", "c.jar"]}),
                ConfigGroup(name="a", spark_arguments={"py-files": "x.py, a.jar"}),
                ConfigGroup(name="none", spark_arguments={"files": ["a.jar"], "jars": ["aa.jar"]}),
                ConfigGroup(name="empty", spark_arguments={}),
            ]
        )
        session.flush()
        assert groups_using(session, "a.jar") == ["a", "b"]
        assert groups_using(session, "x.py") == ["a"]
        assert groups_using(session, "nothing.jar") == []
    engine.dispose()
