"""Issue 10 items 9 (in part) and 13 over HTTP: inputs that answered 500, and names with invisible characters.

* Downloading a file whose name is not Latin-1 (`данные.csv`, `数据.py`): HTTP headers are Latin-1,
  so the name travels as RFC 5987 `filename*` (with an ASCII stand-in in `filename`).
* The dashboard URL `http://[::1` (and other malformed URLs): 422 with the reason.
* Two concurrent creates of a code brick with the same title: one 201, the other 409.
* A zero-width space or other invisible character in a file name: refused with the character named.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password

pytestmark = pytest.mark.integration

API = "/wfo/api/v1"


def _call(platform: Platform, method: str, path: str, user: str = "dev_user", **kwargs: Any) -> Response:
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(method, API + path, token=platform.token(user, password), **kwargs)


def _upload(platform: Platform, path: str, files: list[tuple[str, bytes]]) -> Response:
    body, content_type = multipart(files)
    return _call(platform, "POST", path, data=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("repository", "name"),
    [
        ("/code-artifacts", "данные.csv"),
        ("/code-artifacts", "数据.py"),
        ("/code-artifacts", "naïve café.txt"),
        ("/spark-dependencies", "数据依赖.py"),
    ],
)
def test_files_with_non_latin_1_names_download(platform: Platform, repository: str, name: str) -> None:
    content = f"# {name}\nprint('hello')\n".encode()
    uploaded = _upload(platform, repository, [(name, content)])
    assert uploaded.status == 200, uploaded.body
    resp = _call(platform, "GET", f"{repository}/{quote(name, safe='')}/download", "viewer_user")
    assert resp.status == 200, resp.body
    assert resp.body == content
    disposition = resp.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert disposition.isascii()


def test_a_hadoop_file_with_a_non_latin_1_name_downloads(platform: Platform) -> None:
    name = "данные-site.xml"
    content = b"<configuration><property><name>a</name><value>1</value></property></configuration>"
    group = f"/config-groups/nonlatin-{uuid.uuid4().hex[:6]}"
    _call(platform, "POST", "/config-groups", "admin", json_body={"name": group.rsplit("/", 1)[1]})
    body, content_type = multipart([(name, content)])
    uploaded = _call(platform, "POST", f"{group}/hadoop", "admin", data=body, headers={"Content-Type": content_type})
    assert uploaded.status == 200, uploaded.body
    resp = _call(platform, "GET", f"{group}/hadoop/{quote(name, safe='')}/download", "viewer_user")
    assert resp.status == 200, resp.body
    assert resp.body.startswith(b"<")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in resp.headers["content-disposition"]
    _call(platform, "DELETE", group, "admin", expected=(204,))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://[::1]x/", "is not a host name or address"),
        ("http://[zz]/", "cannot be read"),
        ("http://%zz/", "is not a valid host name"),
        ("https://bi.example.com:99999/", "invalid port"),
    ],
)
def test_a_malformed_dashboard_url_is_a_422_with_the_reason(
    platform: Platform, url: str, reason: str
) -> None:
    before = _call(platform, "GET", "/visualisations", "admin", expected=(200,)).json()["url"]
    resp = _call(platform, "PUT", "/visualisations", "admin", json_body={"url": url})
    assert resp.status == 422, resp.body
    assert reason in resp.json()["detail"]
    assert _call(platform, "GET", "/visualisations", "admin", expected=(200,)).json()["url"] == before


def _create_at_once(platform: Platform, body: dict[str, Any], count: int) -> list[int]:
    """POST the same brick from `count` threads released together; their statuses."""
    statuses: list[int] = []
    start = threading.Barrier(count)

    def create() -> None:
        start.wait()
        statuses.append(_call(platform, "POST", "/code-bricks", json_body=body).status)

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_creates_of_a_brick_with_the_same_title_are_one_201_and_409s(platform: Platform) -> None:
    for round_number in range(3):
        title = f"race {uuid.uuid4().hex[:8]} {round_number}"
        body = {"title": title, "description": "", "code": "print('race')\n", "tags": []}
        statuses = _create_at_once(platform, body, 6)
        assert sorted(statuses) == [201, 409, 409, 409, 409, 409], statuses
        listed = _call(platform, "GET", f"/code-bricks?q={quote(title)}", expected=(200,)).json()["bricks"]
        assert [b["title"] for b in listed] == [title]


@pytest.mark.parametrize(
    ("repository", "name", "shown"),
    [
        ("/code-artifacts", "report\u200b.py", "report\\u200b.py"),
        ("/spark-dependencies", "\ufefflib.jar", "\\ufefflib.jar"),
        ("/code-artifacts", "notes.txt\u2060", "notes.txt\\u2060"),
    ],
)
def test_uploads_with_invisible_characters_in_the_name_are_refused(
    platform: Platform, repository: str, name: str, shown: str
) -> None:
    resp = _upload(platform, repository, [(name, b"x = 1\n")])
    assert resp.status == 422, resp.body
    assert shown in resp.json()["detail"] and "invisible formatting character" in resp.json()["detail"]
    plain = name.replace("\u200b", "").replace("\ufeff", "").replace("\u2060", "")
    assert _call(platform, "GET", f"{repository}/{quote(plain, safe='')}/download").status == 404


def test_a_dag_file_name_with_a_zero_width_space_is_refused(platform: Platform) -> None:
    body = {"content": "X = 1\n", "base_revision": None}
    name = quote("team/etl\u200b.py", safe="/")
    resp = _call(platform, "PUT", f"/dag-files/{name}", json_body=body)
    assert resp.status == 400, resp.body
    assert "U+200B" in resp.json()["detail"] and "\u200b" not in resp.json()["detail"]
    assert not list((platform.home / "dags").glob("team/etl*"))
