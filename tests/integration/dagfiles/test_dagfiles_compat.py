"""The manual's `GET/POST /api/dags/`: tar.gz export, import in one commit, hostile archives refused."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password, tar_gz

pytestmark = pytest.mark.integration


def dag_source(dag_id: str, marker: str = "") -> str:
    return (
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
        f"with DAG({dag_id!r}, schedule=None):\n"
        f"    EmptyOperator(task_id='noop')  # {marker}\n"
    )


def import_archive(platform: Platform, archive: bytes, user: str = "dev_user", **fields: str) -> Response:
    body, content_type = multipart([("dags.tar.gz", archive)], field="sources", fields=fields)
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(
        "POST",
        "/api/dags/",
        data=body,
        token=platform.token(user, password),
        headers={"Content-Type": content_type},
    )


def export(platform: Platform, user: str = "viewer_user") -> dict[str, bytes]:
    resp = platform.request(
        "GET", "/api/dags/", token=platform.token(user, role_password(user)), expected=(200,)
    )
    assert {k.lower(): v for k, v in resp.headers.items()}["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(resp.body), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]


def api(platform: Platform, method: str, path: str, **kwargs: Any) -> Response:
    return platform.request(method, "/wfo/api/v1" + path, token=platform.token(), **kwargs)


def head_commit(platform: Platform, name: str) -> str:
    return str(
        api(platform, "GET", f"/dag-files/{name}/history", expected=(200,)).json()["revisions"][0]["commit"]
    )


def folder_state(platform: Platform) -> dict[str, str]:
    dags = platform.home / "dags"
    return {
        p.relative_to(dags).as_posix(): p.read_text()
        for p in sorted(dags.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(dags).parts and "__pycache__" not in p.parts
    }


def test_export_then_import_round_trip_in_one_commit(platform: Platform) -> None:
    for name in ("dagfiles_compat_a.py", "sub/dagfiles_compat_b.py"):
        dag_id = name.rsplit("/", 1)[-1].removesuffix(".py")
        body = {"content": dag_source(dag_id), "base_revision": None}
        api(platform, "PUT", f"/dag-files/{name}", json_body=body, expected=(200, 409))
    exported = export(platform)
    assert exported["dagfiles_compat_a.py"] == dag_source("dagfiles_compat_a").encode()
    assert exported["sub/dagfiles_compat_b.py"] == dag_source("dagfiles_compat_b").encode()
    assert not any(name.startswith(".git") or name.endswith(".pyc") for name in exported)
    assert export(platform) == exported  # deterministic content

    # Other tests leave files in the folder (some saved invalid on purpose): import only ours.
    ours = ("dagfiles_compat_a.py", "sub/dagfiles_compat_b.py")
    changed = {name: data for name, data in exported.items() if name in ours}
    changed["dagfiles_compat_a.py"] = dag_source("dagfiles_compat_a", "changed").encode()
    changed["new/dagfiles_compat_c.py"] = dag_source("dagfiles_compat_c").encode()
    resp = import_archive(platform, tar_gz(changed), message="import from the old platform")
    assert resp.status == 200, resp.body
    report = resp.json()
    assert report["added"] == ["new/dagfiles_compat_c.py"]
    assert report["changed"] == ["dagfiles_compat_a.py"]
    assert report["unchanged"] == ["sub/dagfiles_compat_b.py"] and report["rejected"] == []
    assert (platform.home / "dags" / "dagfiles_compat_a.py").read_bytes() == changed["dagfiles_compat_a.py"]
    commit = head_commit(platform, "dagfiles_compat_a.py")
    assert head_commit(platform, "new/dagfiles_compat_c.py") == commit
    latest = api(platform, "GET", "/dag-files/new/dagfiles_compat_c.py/history").json()["revisions"][0]
    assert latest["action"] == "import" and latest["message"] == "import from the old platform"
    assert latest["author"] == "dev_user"
    events = api(platform, "GET", "/audit/events?action=dag_file.import&limit=5").json()["events"]
    assert events[0]["outcome"] == "success" and events[0]["details"]["added"] == ["new/dagfiles_compat_c.py"]


def test_invalid_files_of_an_import_are_rejected_and_the_rest_imported(platform: Platform) -> None:
    archive = tar_gz(
        {
            "dagfiles_compat_good.py": dag_source("dagfiles_compat_good").encode(),
            "dagfiles_compat_bad.py": b"def broken(:\n",
        }
    )
    report = import_archive(platform, archive).json()
    assert report["added"] == ["dagfiles_compat_good.py"]
    assert [r["name"] for r in report["rejected"]] == ["dagfiles_compat_bad.py"]
    assert report["rejected"][0]["validation"]["errors"][0]["kind"] == "syntax"
    assert not (platform.home / "dags" / "dagfiles_compat_bad.py").exists()
    # An archive of the folder itself (`tar czf dags.tar.gz dags/`) imports like one of its content.
    wrapped = tar_gz({"dags/dagfiles_compat_wrapped.py": dag_source("dagfiles_compat_wrapped").encode()})
    assert import_archive(platform, wrapped).json()["added"] == ["dagfiles_compat_wrapped.py"]
    only_bad = import_archive(platform, tar_gz({"dagfiles_compat_bad.py": b"def broken(:\n"}))
    assert only_bad.status == 422 and only_bad.json()["added"] == []


GOOD = dag_source("dagfiles_hostile").encode()
HOSTILE = {
    "symlink": (tar_gz({"dagfiles_hostile.py": GOOD}, {"dagfiles_link.py": "/etc/passwd"}), "link"),
    "parent": (tar_gz({"dagfiles_hostile.py": GOOD, "../dagfiles_escape.py": GOOD}), ".."),
    "absolute": (tar_gz({"dagfiles_hostile.py": GOOD, "/tmp/dagfiles_abs.py": GOOD}), "absolute"),
    "non-py": (tar_gz({"dagfiles_hostile.py": GOOD, "run.sh": b"rm -rf /\n"}), "extension"),
    "too many": (tar_gz({f"m/dagfiles_{i}.py": b"x = 1\n" for i in range(2001)}), "more than"),
    "not an archive": (b"this is not a tar.gz", "damaged"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused_with_nothing_written(platform: Platform, case: str) -> None:
    archive, reason = HOSTILE[case]
    before = folder_state(platform)
    resp = import_archive(platform, archive)
    assert resp.status == 422, resp.body
    assert reason in resp.json()["detail"]
    assert folder_state(platform) == before
    assert not (platform.home / "dagfiles_escape.py").exists()
    failures = api(platform, "GET", "/audit/events?action=dag_file.import&limit=5").json()["events"]
    assert failures[0]["outcome"] == "failure"


def test_only_bearer_tokens_and_writers_may_import(platform: Platform) -> None:
    archive = tar_gz({"dagfiles_compat_denied.py": dag_source("dagfiles_compat_denied").encode()})
    assert import_archive(platform, archive, user="viewer_user").status == 403
    cookie = {"Cookie": f"_token={platform.token()}", "Origin": platform.base_url}
    assert platform.request("GET", "/api/dags/", headers=cookie).status == 401
    assert platform.request("GET", "/api/dags").status == 401
    assert not (platform.home / "dags" / "dagfiles_compat_denied.py").exists()
