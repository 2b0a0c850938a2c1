"""Issue 10 items 4 and 5 over HTTP, the exploits as the tests: hostile code and archives cost the api-server
nothing.

Before the fix `POST /wfo/api/v1/dag-files/upgrade` (any Viewer) parsed whatever it got with libcst in
the api-server: 3 MiB took ~5 min of CPU and 5.9 GB, and 9 KiB of nested calls is enough for gigabytes.
Now every route that parses code refuses more than 1 MiB with 413 before parsing, and parses the rest
in a validator child with time and memory limits (422 when it is stopped). A 2 MB tar.gz whose GNU
long-name header declares 2 GiB is refused while its headers are read. Meanwhile the api-server's
resident memory (sampled during each request, and its peak) grows by less than `RSS_BOUND`.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
# The growth of the api-server's memory allowed while the hostile requests below are answered. A parsed
# 3 MiB JSON body is a few times that; the holes cost gigabytes.
RSS_BOUND = 150 * MiB
BASE = "/wfo/api/v1/dag-files"
# Over the 1 MiB limit: the red team's 3 MiB of `1+1+...` (minutes of libcst before the fix).
OVER_LIMIT = "from airflow import DAG\nx = " + "+".join(["1"] * (3 * MiB // 2)) + "\n"
# Under the limit, and still hostile: 9 KiB that libcst turns into gigabytes (SIGSEGV/SIGABRT in the child).
NESTED = "from airflow import DAG\nx = " + "f(" * 3000 + ")" * 3000 + "\n"


def _call(platform: Platform, method: str, path: str, user: str, **kwargs: Any) -> Response:
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(method, path, token=platform.token(user, password), **kwargs)


def _check(platform: Platform, route: str, user: str, content: str) -> Response:
    """POST `{"name", "content"}` to /dag-files/upgrade or /dag-files/validate."""
    return _call(platform, "POST", f"{BASE}/{route}", user, json_body={"name": "x.py", "content": content})


def _put(platform: Platform, name: str, content: str) -> Response:
    body = {"content": content, "base_revision": None}
    return _call(platform, "PUT", f"{BASE}/{name}", "dev_user", json_body=body)


def _post_files(
    platform: Platform, path: str, files: list[tuple[str, bytes]], field: str = "files"
) -> Response:
    body, content_type = multipart(files, field=field)
    return _call(platform, "POST", path, "dev_user", data=body, headers={"Content-Type": content_type})


def _api_server(platform: Platform) -> list[psutil.Process]:
    state = json.loads((platform.home / "run" / "wfo.json").read_text())
    root = psutil.Process(int(state["components"]["api-server"]))
    return [root, *root.children(recursive=True)]


def _peak_rss(processes: list[psutil.Process]) -> int:
    """The processes' VmHWM (peak resident memory since they started), summed."""
    total = 0
    for process in processes:
        status = Path(f"/proc/{process.pid}/status").read_text()
        total += int(status.split("VmHWM:")[1].split()[0]) * 1024
    return total


class RssWatch:
    """Samples the api-server's RSS while requests run; `growth` is the largest rise seen (or of the peak)."""

    def __init__(self, platform: Platform) -> None:
        self.processes = _api_server(platform)
        self.start = sum(p.memory_info().rss for p in self.processes)
        self.start_peak = _peak_rss(self.processes)
        self.highest = self.start
        self.stop = threading.Event()

    def sample(self) -> None:
        while not self.stop.wait(0.05):
            try:
                self.highest = max(self.highest, sum(p.memory_info().rss for p in self.processes))
            except psutil.NoSuchProcess:
                return

    @property
    def growth(self) -> int:
        return max(self.highest - self.start, _peak_rss(self.processes) - self.start_peak)


@contextmanager
def rss_watch(platform: Platform) -> Iterator[RssWatch]:
    # A harmless request of each kind first, so modules loaded on first use do not count as growth.
    _check(platform, "upgrade", "viewer_user", "import os\n")
    watch = RssWatch(platform)
    sampler = threading.Thread(target=watch.sample, daemon=True)
    sampler.start()
    try:
        yield watch
    finally:
        watch.stop.set()
        sampler.join()


@pytest.fixture(scope="module")
def watched(platform: Platform) -> Iterator[Callable[[], int]]:
    """Every test of this module runs inside one watch; the last test checks the bound."""
    with rss_watch(platform) as watch:
        yield lambda: watch.growth


def test_upgrade_over_the_size_limit_is_refused_before_parsing(platform: Platform, watched: Any) -> None:
    resp = _check(platform, "upgrade", "viewer_user", OVER_LIMIT)
    assert resp.status == 413, resp.body[:300]
    assert "more than the limit of 1.0 MiB (1048576 bytes)" in resp.json()["detail"]


def test_a_pathological_upgrade_under_the_limit_is_stopped_in_the_validator(
    platform: Platform, watched: Any
) -> None:
    resp = _check(platform, "upgrade", "viewer_user", NESTED)
    assert resp.status == 422, resp.body[:300]
    assert "memory limit" in resp.json()["detail"]
    # The validator keeps answering: a normal legacy file is upgraded next.
    legacy = "from airflow import DAG\nwith DAG('x', schedule_interval=None):\n    pass\n"
    ok = _check(platform, "upgrade", "viewer_user", legacy)
    assert ok.status == 200 and "schedule=None" in ok.json()["source"]


def test_validate_and_save_refuse_over_the_limit_and_survive_pathological_code(
    platform: Platform, watched: Any
) -> None:
    big = _check(platform, "validate", "dev_user", OVER_LIMIT)
    assert big.status == 413, big.body[:300]
    saved = _put(platform, "sec_parse_big.py", OVER_LIMIT)
    assert saved.status == 413 and "1.0 MiB" in saved.json()["detail"]
    checked = _check(platform, "validate", "dev_user", NESTED)
    assert checked.status == 200, checked.body[:300]
    assert not checked.json()["validation"]["ok"]
    assert "could not run" in checked.json()["upgrade"]["issues"][0]["message"]
    assert _put(platform, "sec_parse_nested.py", NESTED).status == 422
    assert not (platform.home / "dags" / "sec_parse_big.py").exists()
    assert not (platform.home / "dags" / "sec_parse_nested.py").exists()


def test_upload_and_import_refuse_files_over_the_limit(platform: Platform, watched: Any) -> None:
    upload = _post_files(platform, BASE, [("sec_parse_upload.py", OVER_LIMIT.encode())])
    assert upload.status == 422, upload.body[:300]
    assert "larger than the limit of 1.0 MiB" in upload.json()["rejected"][0]["reason"]
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        info = tarfile.TarInfo("sec_parse_import.py")
        info.size = len(OVER_LIMIT)
        tar.addfile(info, io.BytesIO(OVER_LIMIT.encode()))
    imported = _post_files(platform, "/api/dags/", [("dags.tar.gz", archive.getvalue())], field="sources")
    assert imported.status == 422, imported.body[:300]
    assert "more than the limit of 1.0 MiB per file" in imported.json()["detail"]
    assert not (platform.home / "dags" / "sec_parse_upload.py").exists()
    assert not (platform.home / "dags" / "sec_parse_import.py").exists()


def _longname_bomb(declared: int) -> bytes:
    """A 2 MB tar.gz: a GNU long-name header declaring `declared` bytes, followed by as many zeros."""
    header = tarfile.TarInfo("././@LongLink")
    header.type, header.size = tarfile.GNUTYPE_LONGNAME, declared
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(16 * MiB)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    head = comp.compress(header.tobuf(format=tarfile.GNU_FORMAT)) + comp.flush(zlib.Z_FULL_FLUSH)
    parts = [gzip_header, head]
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)  # the same bytes for every 16 MiB
    parts += [block] * (declared // len(zeros))
    parts += [comp.flush(), struct.pack("<LL", 0, declared & 0xFFFFFFFF)]  # CRC left 0: never reached
    return b"".join(parts)


def test_a_tar_header_declaring_2_gib_is_refused_while_the_headers_are_read(
    platform: Platform, watched: Any
) -> None:
    bomb = _longname_bomb(2 * 1024 * MiB)
    assert len(bomb) < 3 * MiB
    resp = _post_files(platform, "/api/dags/", [("dags.tar.gz", bomb)], field="sources")
    assert resp.status == 422, resp.body[:300]
    assert "GNU long-name header of 2.0 GiB" in resp.json()["detail"]


def test_the_api_server_memory_stayed_bounded(platform: Platform, watched: Callable[[], int]) -> None:
    """Runs last in this module: the growth over every hostile request above."""
    growth = watched()
    assert growth < RSS_BOUND, f"the api-server grew by {growth / MiB:.0f} MiB"
