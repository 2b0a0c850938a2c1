"""Spark dependencies, code artifacts and `/api/dependencies/` on the running platform."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from urllib3 import encode_multipart_formdata

from helpers.platform_runner import Platform, Response, role_password, tar_gz

pytestmark = pytest.mark.integration


def multipart(*files: tuple[str, bytes], field: str = "files", **fields: str) -> dict[str, Any]:
    """Request arguments for a multipart body with `files` in `field` and text `fields`."""
    parts: list[tuple[str, Any]] = [(field, (name, data, "application/octet-stream")) for name, data in files]
    parts += list(fields.items())
    body, content_type = encode_multipart_formdata(parts)
    return {"data": body, "headers": {"Content-Type": content_type}}


def _token(platform: Platform, username: str) -> str:
    password = platform.admin_password if username == "admin" else role_password(username)
    return platform.token(username, password)


def api(platform: Platform, method: str, path: str, user: str = "admin", **kwargs: Any) -> Response:
    return platform.request(method, "/wfo/api/v1" + path, token=_token(platform, user), **kwargs)


def _deps(platform: Platform) -> dict[str, int]:
    files = api(platform, "GET", "/spark-dependencies", expected=(200,)).json()["files"]
    return {f["name"]: f["size"] for f in files}


def _events(platform: Platform, action: str) -> list[dict[str, Any]]:
    return api(platform, "GET", f"/audit/events?action={action}&limit=50", expected=(200,)).json()["events"]


# --- Spark dependencies ---------------------------------------------------------------------------------
def test_dependencies_upload_list_download_delete(platform: Platform) -> None:
    jar, py = b"PK\x03\x04 fake jar " * 100, b"def helper():\n    return 1\n"
    resp = api(
        platform,
        "POST",
        "/spark-dependencies",
        user="dev_user",
        **multipart(("it-a.jar", jar), ("it_helpers.py", py)),
    )
    assert resp.status == 200, resp.body
    listed = {f["name"]: f for f in resp.json()["files"]}
    assert listed["it-a.jar"]["size"] == len(jar) and listed["it-a.jar"]["kind"] == "jar"
    assert listed["it_helpers.py"]["kind"] == "py" and listed["it_helpers.py"]["modified"]

    got = api(platform, "GET", "/spark-dependencies/it-a.jar/download", user="viewer_user")
    assert got.status == 200 and got.body == jar
    assert "attachment" in got.headers["content-disposition"]

    assert api(platform, "DELETE", "/spark-dependencies/it-a.jar", user="dev_user").status == 204
    assert "it-a.jar" not in _deps(platform) and "it_helpers.py" in _deps(platform)
    assert api(platform, "DELETE", "/spark-dependencies/it-a.jar").status == 404
    assert api(platform, "GET", "/spark-dependencies/it-a.jar/download").status == 404

    uploads = [
        (e["user"], e["object_id"], e["outcome"]) for e in _events(platform, "spark_dependency.upload")
    ]
    assert ("dev_user", "it-a.jar", "success") in uploads and (
        "dev_user",
        "it_helpers.py",
        "success",
    ) in uploads
    deletes = [(e["user"], e["object_id"]) for e in _events(platform, "spark_dependency.delete")]
    assert ("dev_user", "it-a.jar") in deletes


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ((("it-ok.jar", b"1"), ("evil.exe", b"MZ")), 422, "not allowed"),
        ((("it-ok.jar", b"1"), ("../it-up.jar", b"x")), 422, ""),
        ((("it-ok.jar", b"1"), ("it-ok.jar", b"2")), 422, "twice"),
        ((("nul.jar", b"1"),), 422, "Windows"),
        ((("evil\u202egpj.py", b"1"),), 422, "text-direction"),
    ],
)
def test_dependency_refusals_change_nothing(
    platform: Platform, files: tuple[tuple[str, bytes], ...], status: int, message: str
) -> None:
    before = _deps(platform)
    resp = api(platform, "POST", "/spark-dependencies", **multipart(*files))
    assert resp.status == status, resp.body
    assert message in resp.json()["detail"]
    assert _deps(platform) == before
    failures = [e for e in _events(platform, "spark_dependency.upload") if e["outcome"] == "failure"]
    assert failures and failures[0]["details"]["error"] == resp.json()["detail"]


def test_upload_needs_multipart_and_files(platform: Platform) -> None:
    as_json = api(platform, "POST", "/spark-dependencies", json_body={"files": ["a.jar"]})
    assert as_json.status == 415
    empty = api(platform, "POST", "/spark-dependencies", **multipart(field="files", note="no file"))
    assert empty.status == 422
    wrong_field = api(platform, "POST", "/spark-dependencies", **multipart(("x.jar", b"1"), field="file"))
    assert wrong_field.status == 422 and "files" in wrong_field.json()["detail"]


def test_anonymous_upload_is_refused_before_the_body_is_read(platform: Platform) -> None:
    resp = platform.request(
        "POST", "/wfo/api/v1/spark-dependencies", **multipart(("anon.jar", b"x" * 100_000))
    )
    assert resp.status == 401
    assert "anon.jar" not in _deps(platform)


def test_denied_upload_is_audited(platform: Platform) -> None:
    resp = api(platform, "POST", "/spark-dependencies", user="op_user", **multipart(("op.jar", b"1")))
    assert resp.status == 403
    denied = [
        e
        for e in api(platform, "GET", "/audit/events?user=op_user").json()["events"]
        if e["outcome"] == "denied"
    ]
    assert any(e["action"] == "POST /wfo/api/v1/spark-dependencies" for e in denied)


def test_dependency_in_use_by_a_config_group_cannot_be_deleted(platform: Platform) -> None:
    api(platform, "POST", "/spark-dependencies", **multipart(("it-used.jar", b"used")), expected=(200,))
    group = api(platform, "POST", "/config-groups", json_body={"name": "it-deps-user"})
    if group.status == 404:
        pytest.skip("the config groups API is not there yet")
    assert group.status == 201, group.body
    spark = api(platform, "GET", "/config-groups/it-deps-user/spark", expected=(200,)).json()
    arguments = {**spark["arguments"], "jars": ["it-used.jar"]}
    api(
        platform,
        "PUT",
        "/config-groups/it-deps-user/spark",
        json_body={"arguments": arguments, "confs": spark["confs"], "spark_home": spark["spark_home"]},
        expected=(200,),
    )
    refused = api(platform, "DELETE", "/spark-dependencies/it-used.jar")
    assert refused.status == 409 and "it-deps-user" in refused.json()["detail"]
    assert "it-used.jar" in _deps(platform)
    api(platform, "DELETE", "/config-groups/it-deps-user", expected=(204,))
    assert api(platform, "DELETE", "/spark-dependencies/it-used.jar").status == 204


# --- code artifacts ----------------------------------------------------------------------------------------
def test_code_artifact_versions_restore_and_download(platform: Platform) -> None:
    v1, v2 = b"print('one')\n", b"print('two')\n"
    first = api(
        platform,
        "POST",
        "/code-artifacts",
        user="dev_user",
        **multipart(("it_job.py", v1), ("it_lib.jar", b"PK\x03\x04\xff\x00")),
    )
    assert first.status == 200, first.body
    assert {(u["name"], u["version"]) for u in first.json()["uploaded"]} == {
        ("it_job.py", 1),
        ("it_lib.jar", 1),
    }
    second = api(platform, "POST", "/code-artifacts", **multipart(("it_job.py", v2))).json()["uploaded"]
    assert second == [{"name": "it_job.py", "version": 2, "unchanged": False}]
    same = api(platform, "POST", "/code-artifacts", **multipart(("it_job.py", v2))).json()["uploaded"]
    assert same == [{"name": "it_job.py", "version": 2, "unchanged": True}]

    detail = api(platform, "GET", "/code-artifacts/it_job.py", user="viewer_user", expected=(200,)).json()
    assert detail["latest"] == 2
    assert [(v["version"], v["uploaded_by"], v["sha256"]) for v in detail["versions"]] == [
        (1, "dev_user", hashlib.sha256(v1).hexdigest()),
        (2, "admin", hashlib.sha256(v2).hexdigest()),
    ]
    assert api(platform, "GET", "/code-artifacts/it_job.py/download").body == v2
    assert api(platform, "GET", "/code-artifacts/it_job.py/download?version=1").body == v1
    assert api(platform, "GET", "/code-artifacts/it_job.py/download?version=7").status == 404

    restored = api(
        platform, "POST", "/code-artifacts/it_job.py/restore", user="dev_user", json_body={"version": 1}
    )
    assert restored.json() == {"name": "it_job.py", "version": 3, "unchanged": False}
    assert api(platform, "GET", "/code-artifacts/it_job.py/download").body == v1
    detail = api(platform, "GET", "/code-artifacts/it_job.py").json()
    assert detail["latest"] == 3 and detail["versions"][-1]["restored_from"] == 1
    assert api(platform, "POST", "/code-artifacts/it_job.py/restore", json_body={"version": 9}).status == 404

    # What a worker reads: the manifest and the bytes in the object store, no API and no DB.
    from wfo.repositories.code_artifacts import fetch_code_artifact
    from wfo.storage.objectstore import ObjectStore

    store = ObjectStore((platform.home / "store").as_uri())
    fetched = fetch_code_artifact("it_job.py", platform.home.parent / "worker", store=store)
    assert fetched.read_bytes() == v1

    restores = [(e["user"], e["object_id"], e["details"]) for e in _events(platform, "code_artifact.restore")]
    assert ("dev_user", "it_job.py", {"from_version": 1, "version": 3, "unchanged": False}) in restores


def test_code_artifact_text_view_search_and_delete(platform: Platform) -> None:
    api(
        platform,
        "POST",
        "/code-artifacts",
        **multipart(("IT_Query.sql", "select 'é';\n".encode()), ("it_blob.jar", b"PK\x03\x04\x00\xff")),
        expected=(200,),
    )
    text = api(platform, "GET", "/code-artifacts/IT_Query.sql/content", user="plain_user")
    assert text.status == 200 and text.json() == {
        "name": "IT_Query.sql",
        "version": 1,
        "text": "select 'é';\n",
    }
    binary = api(platform, "GET", "/code-artifacts/it_blob.jar/content")
    assert binary.status == 415 and "binary" in binary.json()["detail"]

    found = api(platform, "GET", "/code-artifacts?q=it_QUERY", expected=(200,)).json()["artifacts"]
    assert [a["name"] for a in found] == ["IT_Query.sql"]
    assert found[0]["text"] is True and found[0]["version"] == 1 and found[0]["uploaded_by"] == "admin"
    every = {a["name"]: a for a in api(platform, "GET", "/code-artifacts").json()["artifacts"]}
    assert every["it_blob.jar"]["text"] is False

    assert api(platform, "DELETE", "/code-artifacts/IT_Query.sql", user="dev_user").status == 204
    assert api(platform, "GET", "/code-artifacts/IT_Query.sql").status == 404
    assert api(platform, "GET", "/code-artifacts?q=it_query").json()["artifacts"] == []
    assert api(platform, "DELETE", "/code-artifacts/IT_Query.sql").status == 404
    assert ("dev_user", "IT_Query.sql") in [
        (e["user"], e["object_id"]) for e in _events(platform, "code_artifact.delete")
    ]


def test_code_artifact_refusals(platform: Platform) -> None:
    for files in (
        (("it_bad.exe", b"MZ"),),
        (("../it_up.py", b"x"),),
        (("it_ok.py", b"1"), ("it_ok.py", b"2")),
    ):
        resp = api(platform, "POST", "/code-artifacts", **multipart(*files))
        assert resp.status == 422, (files, resp.body)
    assert api(platform, "GET", "/code-artifacts?q=it_ok").json()["artifacts"] == []
    assert api(platform, "GET", "/code-artifacts?q=it_bad").json()["artifacts"] == []
    assert (
        api(platform, "POST", "/code-artifacts", user="viewer_user", **multipart(("v.py", b"1"))).status
        == 403
    )


# --- the manual's /api/dependencies/ --------------------------------------------------------------------------
def _compat(platform: Platform, method: str, path: str, user: str = "admin", **kwargs: Any) -> Response:
    return platform.request(method, path, token=_token(platform, user), **kwargs)


@pytest.mark.parametrize("path", ["/api/dependencies/", "/api/dependencies"])
def test_export_with_and_without_trailing_slash(platform: Platform, path: str) -> None:
    api(platform, "POST", "/spark-dependencies", **multipart(("it-export.jar", b"exported")), expected=(200,))
    resp = _compat(platform, "GET", path, user="viewer_user")
    assert resp.status == 200, resp.body[:300]
    assert resp.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(resp.body)) as archive:
        member = archive.extractfile("it-export.jar")
        assert member is not None and member.read() == b"exported"
        assert sorted(archive.getnames()) == sorted(_deps(platform))
    assert _compat(platform, "GET", path).body == resp.body  # deterministic


@pytest.mark.parametrize("path", ["/api/dependencies/", "/api/dependencies"])
def test_import_with_and_without_trailing_slash(platform: Platform, path: str) -> None:
    suffix = "slash" if path.endswith("/") else "bare"
    archive = tar_gz({f"it-import-{suffix}.jar": b"imported", f"it_import_{suffix}.py": b"x = 1\n"})
    # `dry_run` as a form field or as a query parameter.
    dry = {"dry_run": "true"} if suffix == "slash" else {}
    preview = _compat(
        platform,
        "POST",
        path if dry else path + "?dry_run=true",
        **multipart((f"deps-{suffix}.tar.gz", archive), field="sources", **dry),
    )
    assert preview.status == 200, preview.body
    assert preview.json()["dry_run"] is True and len(preview.json()["added"]) == 2
    assert f"it-import-{suffix}.jar" not in _deps(platform)

    done = _compat(
        platform,
        "POST",
        path,
        user="dev_user",
        **multipart((f"deps-{suffix}.tar.gz", archive), field="sources"),
    )
    assert done.status == 200, done.body
    assert sorted(done.json()["added"]) == [f"it-import-{suffix}.jar", f"it_import_{suffix}.py"]
    assert _deps(platform)[f"it-import-{suffix}.jar"] == len(b"imported")
    assert done.json()["imported"] is True
    listed = api(platform, "GET", "/spark-dependencies", expected=(200,)).json()["files"]
    again = _compat(platform, "POST", path, **multipart(("d.tar.gz", archive), field="sources")).json()
    assert sorted(again["unchanged"]) == sorted(done.json()["added"]) and again["added"] == []
    # Identical content is a no-op: nothing rewritten (the files' "modified" stays).
    assert again["changed"] == [] and again["imported"] is False
    assert api(platform, "GET", "/spark-dependencies", expected=(200,)).json()["files"] == listed
    assert any(e["user"] == "dev_user" for e in _events(platform, "spark_dependency.import"))


def _hostile() -> dict[str, bytes]:
    return {
        "tar-slip": tar_gz({"it-fine.jar": b"1", "../../it-slip.jar": b"x"}),
        "symlink": tar_gz({}, {"it-link.jar": "/etc/passwd"}),
        "bad extension": tar_gz({"it-fine.jar": b"1", "it-run.sh": b"rm -rf /"}),
        "garbage": b"definitely not an archive",
    }


@pytest.mark.parametrize("kind", sorted(_hostile()))
def test_hostile_archives_leave_the_repository_unchanged(platform: Platform, kind: str) -> None:
    before = _deps(platform)
    resp = _compat(
        platform, "POST", "/api/dependencies/", **multipart(("x.tar.gz", _hostile()[kind]), field="sources")
    )
    assert resp.status == 422, resp.body
    assert resp.json()["detail"]
    assert _deps(platform) == before
    if kind == "bad extension":
        assert [r["name"] for r in resp.json()["rejected"]] == ["it-run.sh"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_refused_import_says_so_truthfully_for_every_file(platform: Platform, dry_run: bool) -> None:
    api(platform, "POST", "/spark-dependencies", **multipart(("it-kept.jar", b"kept")), expected=(200,))
    before = _deps(platform)
    archive = tar_gz({"it-new.jar": b"new", "it-kept.jar": b"kept", "it-bad.sh": b"rm -rf /"})
    fields = {"dry_run": "true"} if dry_run else {}
    resp = _compat(
        platform, "POST", "/api/dependencies/", **multipart(("x.tar.gz", archive), field="sources", **fields)
    )
    assert resp.status == 422, resp.body
    report = resp.json()
    assert report["detail"].startswith("nothing was imported, 1 file(s) refused: it-bad.sh: ")
    assert report["rejected"] == [{"name": "it-bad.sh", "reason": report["rejected"][0]["reason"]}]
    assert report["added"] == [] and report["changed"] == [] and report["imported"] is False
    assert report["unchanged"] == ["it-kept.jar"] and report["dry_run"] is dry_run
    assert [(h["name"], h["would_be"]) for h in report["held_back"]] == [("it-new.jar", "added")]
    assert "refused" in report["held_back"][0]["reason"]
    assert _deps(platform) == before


def test_compat_routes_take_bearer_tokens_only(platform: Platform) -> None:
    cookie = {"Cookie": f"_token={_token(platform, 'admin')}"}
    for path in ("/api/dependencies/", "/api/dependencies"):
        assert platform.request("GET", path, headers=cookie).status == 401
        assert platform.request("GET", path).status == 401
        post = platform.request(
            "POST", path, headers={**cookie, "Origin": platform.base_url}, data=b"", expected=None
        )
        assert post.status == 401
    # Viewers may export but not import; Public may do neither.
    archive = tar_gz({"it-viewer.jar": b"1"})
    assert (
        _compat(
            platform,
            "POST",
            "/api/dependencies/",
            user="viewer_user",
            **multipart(("a.tar.gz", archive), field="sources"),
        ).status
        == 403
    )
    assert _compat(platform, "GET", "/api/dependencies", user="public_user").status == 403


def test_airflow_routes_next_to_the_compat_mount_are_untouched(platform: Platform) -> None:
    assert platform.request("GET", "/api/v2/version", token=_token(platform, "admin")).status == 200
    # A neighbour of the bare prefix is not rewritten into our app: Airflow answers it.
    neighbour = platform.request("GET", "/api/dependenciesX", token=_token(platform, "admin"))
    assert neighbour.status == 404 and neighbour.json() == {"error": "API route not found"}


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_manuals_curl_commands_work_with_a_token(platform: Platform, tmp_path: Path) -> None:
    """The manual's commands verbatim, plus the Authorization header wfo requires."""
    api(platform, "POST", "/spark-dependencies", **multipart(("it-curl.jar", b"curl")), expected=(200,))
    auth = f"Authorization: Bearer {_token(platform, 'admin')}"
    exported = tmp_path / "dependencies.tar.gz"
    with open(exported, "wb") as out:
        subprocess.run(
            ["curl", "--silent", "--fail", "--location", "--request", "GET",
             f"{platform.base_url}/api/dependencies/", "--header", auth],
            stdout=out, check=True, timeout=60,
        )  # fmt: skip
    with tarfile.open(exported) as archive:
        assert "it-curl.jar" in archive.getnames()
    imported = subprocess.run(
        ["curl", "--silent", "--fail", "--location", "--request", "POST",
         f"{platform.base_url}/api/dependencies/", "--header", "Content-Type: multipart/form-data",
         "--header", auth, "--form", f"sources=@{exported}"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    report = json.loads(imported.stdout)
    assert "it-curl.jar" in report["unchanged"] and report["rejected"] == []
