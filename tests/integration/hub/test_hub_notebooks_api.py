"""The Notebooks page's API: own folder and common_workspace, upload, download, view (sandboxed), delete."""

from __future__ import annotations

import json

import pytest
from urllib3 import encode_multipart_formdata

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.integration

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def notebook(text: str) -> bytes:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": "1 + 1",
        "outputs": [
            {"output_type": "display_data", "metadata": {}, "data": {"text/html": HOSTILE}},
            {"output_type": "stream", "name": "stdout", "text": text},
        ],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def upload(platform: Platform, user: str, folder: str, name: str, data: bytes, path: str = "") -> dict:
    fields: list[tuple[str, object]] = [("folder", folder), ("file", (name, data))]
    if path:
        fields.insert(0, ("path", path))
    body, content_type = encode_multipart_formdata(fields)
    resp = platform.request(
        "POST",
        "/wfo/api/v1/notebooks/uploads",
        data=body,
        headers={"Content-Type": content_type},
        token=token(platform, user),
    )
    return {"status": resp.status, "body": resp.json()}


def token(platform: Platform, user: str) -> str:
    return platform.token(user, platform.admin_password if user == "admin" else role_password(user))


def test_upload_list_view_download_delete(platform: Platform) -> None:
    made = upload(platform, "dev_user", "own", "mine.ipynb", notebook("own text"), path="team/mine.ipynb")
    assert made["status"] == 201 and made["body"]["path"] == "team/mine.ipynb"
    shared = upload(platform, "dev_user", "common", "shared_api.ipynb", notebook("shared text"))
    assert shared["status"] == 201
    # The common notebook is where CoutureJupyterOperator reads it.
    assert (platform.home / "store/notebooks/common_workspace/shared_api.ipynb").is_file()

    dev = token(platform, "dev_user")
    listed = platform.request("GET", "/wfo/api/v1/notebooks", token=dev, expected=(200,)).json()
    pairs = {(n["folder"], n["path"]) for n in listed["notebooks"]}
    assert {("own", "team/mine.ipynb"), ("common", "shared_api.ipynb")} <= pairs
    # Another user's own folder is theirs only.
    admin_list = platform.request("GET", "/wfo/api/v1/notebooks", token=token(platform, "admin")).json()
    assert ("own", "team/mine.ipynb") not in {(n["folder"], n["path"]) for n in admin_list["notebooks"]}
    assert (
        platform.request(
            "GET", "/wfo/api/v1/notebooks/files/own/team/mine.ipynb", token=token(platform, "admin")
        ).status
        == 404
    )

    got = platform.request(
        "GET", "/wfo/api/v1/notebooks/files/own/team/mine.ipynb", token=dev, expected=(200,)
    )
    assert json.loads(got.body)["cells"][0]["outputs"][1]["text"] == "own text"
    assert "attachment" in got.headers["content-disposition"]

    view = platform.request(
        "GET", "/wfo/api/v1/notebooks/view/common/shared_api.ipynb", token=dev, expected=(200,)
    )
    csp = view.headers["content-security-policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp and "script-src" not in csp
    assert "shared text" in view.body.decode()

    gone = platform.request("DELETE", "/wfo/api/v1/notebooks/files/common/shared_api.ipynb", token=dev)
    assert gone.status == 204
    assert not (platform.home / "store/notebooks/common_workspace/shared_api.ipynb").exists()
    again = platform.request("DELETE", "/wfo/api/v1/notebooks/files/common/shared_api.ipynb", token=dev)
    assert again.status == 404

    events = platform.api("GET", "/audit/events?user=dev_user&limit=50").json()["events"]
    actions = {(e["action"], e["object_id"]) for e in events}
    assert ("notebook.upload", "common:shared_api.ipynb") in actions
    assert ("notebook.delete", "common:shared_api.ipynb") in actions


@pytest.mark.parametrize(
    ("folder", "name", "data", "path"),
    [
        ("own", "x.ipynb", b"not json", ""),
        ("own", "x.txt", b'{"nbformat": 4}', ""),
        ("own", "x.ipynb", notebook("x"), "../escape.ipynb"),
        ("own", "x.ipynb", notebook("x"), "common_workspace/through_link.ipynb"),
        ("common", "x.ipynb", notebook("x"), "s3://bucket/x.ipynb"),
        ("elsewhere", "x.ipynb", notebook("x"), ""),
    ],
)
def test_bad_uploads_are_refused(platform: Platform, folder: str, name: str, data: bytes, path: str) -> None:
    assert upload(platform, "dev_user", folder, name, data, path)["status"] in (400, 422)
