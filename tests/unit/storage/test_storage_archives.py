"""Archive uploads: every hostile archive is refused with its reason and leaves the disk unchanged."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from wfo.storage.archives import ArchiveEntry, ArchiveLimits, extract_archive, extract_tar, extract_zip
from wfo.storage.errors import ExtensionNotAllowedError, StorageError, UnsafeArchiveError
from wfo.storage.tarball import build_tar_gz, write_tar_gz

Member = tuple[tarfile.TarInfo, bytes | None]


def file_member(name: str, data: bytes = b"data", mode: int = 0o644) -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, data


def special_member(name: str, kind: bytes, linkname: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def make_tar(path: Path, members: list[Member]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def snapshot(folder: Path) -> list[str]:
    """Everything under `folder`, hidden staging folders included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "existing.txt").write_text("keep me")
    return tmp_path


def assert_refused(workdir: Path, archive: Path, reason: str, **kwargs: Any) -> None:
    before = snapshot(workdir)
    with pytest.raises(UnsafeArchiveError) as info:
        extract_archive(archive, workdir / "target", **kwargs)
    assert reason in str(info.value)
    assert snapshot(workdir) == before, "a refused archive must not write anything"


def test_tar_slip_member_is_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("ok.py"), file_member("../../x")])
    assert_refused(workdir, archive, "contains '..'")
    assert not (workdir.parent / "x").exists()


def test_absolute_member_name_is_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("/tmp/wfo-evil.py")])
    assert_refused(workdir, archive, "is absolute")


def test_symlink_member_is_refused_not_skipped(workdir: Path) -> None:
    archive = make_tar(
        workdir / "uploads/a.tgz",
        [file_member("a.py"), special_member("passwd", tarfile.SYMTYPE, "/etc/passwd")],
    )
    assert_refused(workdir, archive, "is a symbolic link (to '/etc/passwd')")


def test_hard_link_member_is_refused(workdir: Path) -> None:
    archive = make_tar(
        workdir / "uploads/a.tgz", [file_member("a.py"), special_member("b.py", tarfile.LNKTYPE, "a.py")]
    )
    assert_refused(workdir, archive, "is a hard link")


@pytest.mark.parametrize(
    ("kind", "reason"),
    [(tarfile.CHRTYPE, "device file"), (tarfile.BLKTYPE, "device file"), (tarfile.FIFOTYPE, "named pipe")],
)
def test_device_and_fifo_members_are_refused(workdir: Path, kind: bytes, reason: str) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [special_member("dev", kind)])
    assert_refused(workdir, archive, reason)


def test_too_many_members_are_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member(f"f{i}.py") for i in range(4)])
    assert_refused(workdir, archive, "more than 3 members", limits=ArchiveLimits(max_members=3))


def test_tiny_gzip_expanding_beyond_the_total_limit_is_refused(workdir: Path) -> None:
    zeros = bytes(4 * 1024 * 1024)
    archive = make_tar(workdir / "uploads/bomb.tgz", [file_member(f"part{i}.bin", zeros) for i in range(4)])
    assert archive.stat().st_size < 100_000, "the test needs a small archive with a big content"
    limits = ArchiveLimits(max_total_bytes=10 * 1024 * 1024, max_member_bytes=8 * 1024 * 1024)
    assert_refused(workdir, archive, "expands to more than the limit of 10.0 MiB", limits=limits)


def test_single_oversized_member_is_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("big.bin", bytes(2048))])
    assert_refused(
        workdir,
        archive,
        "more than the limit of 1.0 KiB per file",
        limits=ArchiveLimits(max_member_bytes=1024),
    )


def test_duplicate_member_is_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("a.py", b"1"), file_member("./a.py", b"2")])
    assert_refused(workdir, archive, "'a.py' appears twice")


def test_file_and_folder_with_the_same_name_are_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("a"), file_member("a/b.py")])
    assert_refused(workdir, archive, "inside 'a', which is a file")


def test_backslash_member_is_refused(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("..\\..\\evil.py")])
    assert_refused(workdir, archive, "backslash")


def test_damaged_archive_is_refused(workdir: Path) -> None:
    archive = workdir / "uploads/junk.tgz"
    archive.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(200))
    assert_refused(workdir, archive, "damaged or not in the expected format")


def test_extension_allow_list_applies_to_every_member(workdir: Path) -> None:
    archive = make_tar(workdir / "uploads/a.tgz", [file_member("dag.py"), file_member("run.sh")])
    before = snapshot(workdir)
    with pytest.raises(ExtensionNotAllowedError, match="'run.sh' is refused.*allowed: .py"):
        extract_archive(archive, workdir / "target", allowed_extensions={".py"})
    assert snapshot(workdir) == before


def test_zip_with_parent_references_is_refused(workdir: Path) -> None:
    archive = workdir / "uploads/a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.py", "x = 1")
        zf.writestr("../../evil.py", "import os")
    assert_refused(workdir, archive, "contains '..'")


def test_zip_bomb_member_is_refused_before_decompressing(workdir: Path) -> None:
    archive = workdir / "uploads/bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(20 * 1024 * 1024))
    assert archive.stat().st_size < 100_000
    assert_refused(
        workdir,
        archive,
        "more than the limit of 1.0 MiB per file",
        limits=ArchiveLimits(max_member_bytes=1024**2),
    )


def test_zip_member_lying_about_its_size_is_refused(workdir: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.bin", b"A" * 100_000)
    raw = bytearray(buffer.getvalue())
    # Patch the uncompressed size in the central directory (offset 24 of its entry) down to 10 bytes.
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive = workdir / "uploads/liar.zip"
    archive.write_bytes(bytes(raw))
    assert_refused(workdir, archive, "damaged")


def test_zip_symlink_member_is_refused(workdir: Path) -> None:
    archive = workdir / "uploads/link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert_refused(workdir, archive, "is a symbolic link")


def test_failure_after_good_members_leaves_no_trace(workdir: Path) -> None:
    members = [file_member(f"dags/ok{i}.py") for i in range(5)] + [file_member("dags/../../../escape.py")]
    archive = make_tar(workdir / "uploads/a.tgz", members)
    assert_refused(workdir, archive, "contains '..'")
    assert not (workdir / "target").exists()


def test_round_trip_build_then_extract_gives_the_same_files(tmp_path: Path) -> None:
    source = tmp_path / "dags"
    (source / "lib" / "empty").mkdir(parents=True)
    (source / "etl.py").write_text("print('etl')\n")
    (source / "lib" / "helpers.py").write_bytes(os.urandom(3000))
    (source / "données.csv").write_text("a,b\n1,2\n")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o755)

    built = build_tar_gz(source, tmp_path / "export.tar.gz")
    extracted = extract_archive(tmp_path / "export.tar.gz", tmp_path / "imported")

    assert extracted == built
    assert ArchiveEntry("lib/empty", 0, True) in extracted
    for entry in built:
        original, copy = source / entry.path, tmp_path / "imported" / entry.path
        if entry.is_dir:
            assert copy.is_dir()
        else:
            assert copy.read_bytes() == original.read_bytes()
    assert os.access(tmp_path / "imported" / "run.sh", os.X_OK)
    assert sorted(os.listdir(tmp_path)) == ["dags", "export.tar.gz", "imported"]


def test_build_is_deterministic_whatever_the_file_times(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "b.py").write_text("b")
    (source / "a.py").write_text("a")
    first = io.BytesIO()
    write_tar_gz(source, first)
    os.utime(source / "a.py", (1_000_000, 1_000_000))
    second = io.BytesIO()
    write_tar_gz(source, second)
    assert first.getvalue() == second.getvalue()
    with tarfile.open(fileobj=io.BytesIO(first.getvalue())) as archive:
        assert archive.getnames() == ["a.py", "b.py"]
        assert {m.uid for m in archive.getmembers()} == {0}


def test_build_refuses_symlinks_and_skips_excluded_paths(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / ".git").mkdir(parents=True)
    (source / ".git" / "HEAD").write_text("ref")
    (source / "a.py").write_text("a")
    entries = build_tar_gz(source, tmp_path / "out.tgz", exclude=lambda path: path == ".git")
    assert [entry.path for entry in entries] == ["a.py"]

    (source / "secret").symlink_to("/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="'secret' is a symbolic link"):
        build_tar_gz(source, tmp_path / "out2.tgz")
    assert not (tmp_path / "out2.tgz").exists()


def test_archive_made_with_tar_command_and_dot_root_extracts(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "x.py").write_text("x")
    subprocess.run(["tar", "czf", str(tmp_path / "a.tgz"), "-C", str(source), "."], check=True)
    entries = extract_tar(tmp_path / "a.tgz", tmp_path / "out")
    assert [entry.path for entry in entries] == ["sub", "sub/x.py"]


def test_extract_from_a_non_seekable_stream(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "a.tgz", [file_member("a.py", b"print(1)")])
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer:
        writer.write(archive.read_bytes())
    with os.fdopen(read_end, "rb") as stream:
        entries = extract_archive(stream, tmp_path / "out")
    assert entries == [ArchiveEntry("a.py", 8)]
    assert (tmp_path / "out" / "a.py").read_bytes() == b"print(1)"


def test_zip_extracts_from_an_upload_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("conf/core-site.xml", "<configuration/>")
        zf.writestr("conf/", "")
    buffer.seek(0)
    entries = extract_zip(buffer, tmp_path / "out")
    assert entries == [ArchiveEntry("conf", 0, True), ArchiveEntry("conf/core-site.xml", 16)]


def test_setuid_bits_are_dropped_by_the_data_filter(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "a.tgz", [file_member("tool", b"#!/bin/sh", mode=0o4777)])
    extract_tar(archive, tmp_path / "out")
    mode = (tmp_path / "out" / "tool").stat().st_mode
    assert not mode & stat.S_ISUID
    assert not mode & stat.S_IWOTH


def test_non_empty_target_needs_merge(tmp_path: Path) -> None:
    target = tmp_path / "dags"
    target.mkdir()
    (target / "old.py").write_text("old")
    (target / "a.py").write_text("before")
    archive = make_tar(tmp_path / "a.tgz", [file_member("a.py", b"after"), file_member("new/b.py", b"b")])

    with pytest.raises(StorageError, match="is not empty"):
        extract_archive(archive, target)
    assert (target / "a.py").read_text() == "before"

    extract_archive(archive, target, merge=True)
    assert (target / "a.py").read_text() == "after"
    assert (target / "new" / "b.py").read_text() == "b"
    assert (target / "old.py").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["a.tgz", "dags"]


def test_merge_refuses_to_follow_a_symlink_planted_in_the_target(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "dags"
    target.mkdir()
    (target / "lib").symlink_to(outside)
    archive = make_tar(tmp_path / "a.tgz", [file_member("ok.py"), file_member("lib/evil.py")])

    with pytest.raises(StorageError, match="'lib' in the target folder is not a folder"):
        extract_archive(archive, target, merge=True)
    assert os.listdir(outside) == []
    assert sorted(os.listdir(target)) == ["lib"], "nothing is moved when one entry clashes"
