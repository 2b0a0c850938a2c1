"""The manual's `GET/POST /api/dags/`: tar.gz export, import in one commit, hostile archives refused."""

from __future__ import annotations

import io
import subprocess
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


def dags_head(platform: Platform) -> str:
    """The DAGs folder's git HEAD: a commit moves it."""
    return subprocess.run(
        ["git", "-C", str(platform.home / "dags"), "rev-parse", "HEAD"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip


def import_events(platform: Platform) -> list[dict[str, Any]]:
    return list(api(platform, "GET", "/audit/events?action=dag_file.import&limit=50").json()["events"])


GOOD_AND_BAD = {
    "dagfiles_compat_good.py": dag_source("dagfiles_compat_good").encode(),
    "dagfiles_compat_bad.py": b"def broken(:\n",
}


def test_a_bad_file_refuses_the_whole_import_with_a_report_per_file(platform: Platform) -> None:
    before, head = folder_state(platform), dags_head(platform)
    resp = import_archive(platform, tar_gz(GOOD_AND_BAD))
    assert resp.status == 422, resp.body
    report = resp.json()
    assert report["detail"].startswith("nothing was imported, 1 file(s) refused: dagfiles_compat_bad.py: ")
    assert [r["name"] for r in report["rejected"]] == ["dagfiles_compat_bad.py"]
    assert report["rejected"][0]["validation"]["errors"][0]["kind"] == "syntax"
    # Truthful: nothing is listed as added; the file that passed is held back, saying why.
    assert report["added"] == [] and report["changed"] == [] and report["imported"] is False
    assert [(h["name"], h["would_be"]) for h in report["held_back"]] == [("dagfiles_compat_good.py", "added")]
    assert "refused" in report["held_back"][0]["reason"]
    assert folder_state(platform) == before and dags_head(platform) == head
    assert import_events(platform)[0]["outcome"] == "failure"
    # An archive of the folder itself (`tar czf dags.tar.gz dags/`) imports like one of its content.
    wrapped = tar_gz({"dags/dagfiles_compat_wrapped.py": dag_source("dagfiles_compat_wrapped").encode()})
    assert import_archive(platform, wrapped).json()["added"] == ["dagfiles_compat_wrapped.py"]


def test_partial_imports_the_files_that_pass_when_asked(platform: Platform) -> None:
    resp = import_archive(platform, tar_gz(GOOD_AND_BAD), partial="true")
    assert resp.status == 200, resp.body
    report = resp.json()
    assert report["partial"] is True and report["imported"] is True and report["commit"]
    assert report["added"] == ["dagfiles_compat_good.py"] and report["held_back"] == []
    assert [r["name"] for r in report["rejected"]] == ["dagfiles_compat_bad.py"]
    assert (platform.home / "dags" / "dagfiles_compat_good.py").exists()
    assert not (platform.home / "dags" / "dagfiles_compat_bad.py").exists()
    only_bad = import_archive(platform, tar_gz({"dagfiles_compat_bad.py": b"def broken(:\n"}), partial="true")
    assert only_bad.status == 422 and only_bad.json()["added"] == []


def test_dry_run_reports_what_would_happen_and_writes_nothing(platform: Platform) -> None:
    api(
        platform,
        "PUT",
        "/dag-files/dagfiles_compat_dry.py",
        json_body={"content": dag_source("dagfiles_compat_dry"), "base_revision": None},
        expected=(200, 409),
    )
    archive = tar_gz(
        {
            "dagfiles_compat_dry.py": dag_source("dagfiles_compat_dry", "changed").encode(),
            "dry/dagfiles_compat_dry_new.py": dag_source("dagfiles_compat_dry_new").encode(),
        }
    )
    before, head, events = folder_state(platform), dags_head(platform), len(import_events(platform))
    as_field = import_archive(platform, archive, dry_run="true")
    assert as_field.status == 200, as_field.body
    report = as_field.json()
    assert report["dry_run"] is True and report["imported"] is False and report["commit"] is None
    assert report["added"] == ["dry/dagfiles_compat_dry_new.py"] and report["changed"] == [
        "dagfiles_compat_dry.py"
    ]
    body, content_type = multipart([("dags.tar.gz", archive)], field="sources")
    as_query = platform.request(
        "POST",
        "/api/dags/?dry_run=true",
        data=body,
        token=platform.token("dev_user", role_password("dev_user")),
        headers={"Content-Type": content_type},
    )
    assert as_query.status == 200 and as_query.json() == report
    # No file, no commit, no import event.
    assert folder_state(platform) == before and dags_head(platform) == head
    assert not (platform.home / "dags" / "dry").exists()
    assert len(import_events(platform)) == events
    # A dry run of an import that would be refused answers the same refusal.
    good_and_bad = {"dagfiles_compat_dry_good.py": dag_source("dagfiles_compat_dry_good").encode()}
    good_and_bad["dagfiles_compat_bad.py"] = GOOD_AND_BAD["dagfiles_compat_bad.py"]
    refused = import_archive(platform, tar_gz(good_and_bad), dry_run="true")
    assert refused.status == 422 and refused.json()["dry_run"] is True
    assert [h["name"] for h in refused.json()["held_back"]] == ["dagfiles_compat_dry_good.py"]
    assert folder_state(platform) == before and dags_head(platform) == head


def test_reimporting_an_export_is_a_no_op(platform: Platform) -> None:
    api(
        platform,
        "PUT",
        "/dag-files/dagfiles_compat_again.py",
        json_body={"content": dag_source("dagfiles_compat_again"), "base_revision": None},
        expected=(200, 409),
    )
    exported = export(platform, user="admin")
    head = dags_head(platform)
    resp = import_archive(platform, tar_gz(exported), user="admin")
    assert resp.status == 200, resp.body
    report = resp.json()
    assert report["unchanged"] == sorted(exported) and report["added"] == report["changed"] == []
    assert report["rejected"] == [] and report["commit"] is None and report["imported"] is False
    assert dags_head(platform) == head


def test_the_export_says_whether_it_includes_the_shipped_examples(platform: Platform) -> None:
    token = platform.token()
    plain = platform.request("GET", "/api/dags/", token=token, expected=(200,))
    assert {k.lower(): v for k, v in plain.headers.items()}["x-wfo-includes-examples"] == "false"
    with tarfile.open(fileobj=io.BytesIO(plain.body), mode="r:gz") as archive:
        assert not any(name.startswith("wfo-examples") for name in archive.getnames())
    full = platform.request("GET", "/api/dags/?include_examples=true", token=token, expected=(200,))
    assert {k.lower(): v for k, v in full.headers.items()}["x-wfo-includes-examples"] == "true"
    with tarfile.open(fileobj=io.BytesIO(full.body), mode="r:gz") as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]
    examples = {name for name in members if name.startswith("wfo-examples/")}
    assert "wfo-examples/example_spark_pi.py" in examples and len(examples) >= 10
    # Importing it back skips the examples (installed with wfo, read-only) and changes nothing else.
    head = dags_head(platform)
    report = import_archive(platform, full.body, user="admin").json()
    assert sorted(s["name"] for s in report["skipped"]) == sorted(examples)
    assert report["added"] == report["changed"] == [] and report["commit"] is None
    assert dags_head(platform) == head


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
