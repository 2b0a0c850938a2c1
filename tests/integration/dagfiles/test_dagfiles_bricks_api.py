"""Code bricks over HTTP: shipped bricks after the first start, search, and who may change them."""

from __future__ import annotations

import pytest

from wfo.dagfiles.bricks import shipped_bricks

from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.integration


def _as(platform: Platform, user: str, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return platform.api(method, path, user=user, password=role_password(user), **kwargs)


def test_shipped_bricks_are_there_and_searchable(platform: Platform) -> None:
    listed = _as(platform, "viewer_user", "GET", "/code-bricks").json()["bricks"]
    titles = {b["title"] for b in listed}
    assert {b.title for b in shipped_bricks()} <= titles
    pi = next(b for b in listed if b["title"] == "run spark pi example")
    assert pi["shipped"] is True and "SparkOperator(" in pi["code"] and "spark" in pi["tags"]

    found = _as(platform, "viewer_user", "GET", "/code-bricks?q=similarity%20vectors").json()["bricks"]
    assert [b["title"] for b in found] == ["compute similarity based on feature vectors"]
    assert _as(platform, "viewer_user", "GET", "/code-bricks?q=nothing-like-this").json()["bricks"] == []


def test_developer_adds_edits_and_deletes_a_brick_and_each_change_is_audited(platform: Platform) -> None:
    body = {"title": "api brick", "description": "one line", "code": "print('x')\n", "tags": ["Demo"]}
    created = _as(platform, "dev_user", "POST", "/code-bricks", json_body=body, expected=(201,)).json()
    assert created["tags"] == ["demo"] and created["updated_by"] == "dev_user" and created["shipped"] is False

    duplicate = _as(platform, "dev_user", "POST", "/code-bricks", json_body=body)
    assert duplicate.status == 409 and "exists already" in duplicate.json()["detail"]
    broken = _as(platform, "dev_user", "PUT", f"/code-bricks/{created['id']}", json_body={**body, "code": "def (:"})
    assert broken.status == 422 and "line 1" in broken.json()["detail"]
    denied = _as(platform, "viewer_user", "PUT", f"/code-bricks/{created['id']}", json_body=body)
    assert denied.status == 403

    edited = _as(
        platform, "dev_user", "PUT", f"/code-bricks/{created['id']}", json_body={**body, "code": "print('y')\n"}
    ).json()
    assert edited["code"] == "print('y')\n"
    _as(platform, "dev_user", "DELETE", f"/code-bricks/{created['id']}", expected=(204,))
    assert _as(platform, "dev_user", "GET", "/code-bricks?q=api%20brick").json()["bricks"] == []
    assert _as(platform, "dev_user", "DELETE", f"/code-bricks/{created['id']}").status == 404

    events = platform.api("GET", "/audit/events?user=dev_user&limit=50").json()["events"]
    seen = {(e["action"], e["outcome"]) for e in events if e["object_type"] == "code_brick"}
    assert {
        ("code_brick.create", "success"),
        ("code_brick.create", "failure"),
        ("code_brick.update", "failure"),
        ("code_brick.update", "success"),
        ("code_brick.delete", "success"),
    } <= seen
