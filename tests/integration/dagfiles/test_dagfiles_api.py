"""`/wfo/api/v1/dag-files` on the running platform: every rule and refusal of the DAG files API."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password

pytestmark = pytest.mark.integration

BASE = "/dag-files"


def dag_source(dag_id: str, marker: str = "") -> str:
    return (
        "from airflow.sdk import dag, task\n\n\n"
        f"@dag(dag_id={dag_id!r}, schedule=None, catchup=False)\n"
        "def pipeline():\n"
        "    @task\n"
        "    def hello():\n"
        f"        return {marker!r}\n\n"
        "    hello()\n\n\n"
        "pipeline()\n"
    )


BROKEN = "from airflow.sdk import DAG\n\nwith DAG('dagfiles_broken', schedule=None):\n    x = (\n"
LEGACY = (
    "from airflow import DAG\n"
    "from airflow.operators.bash_operator import BashOperator\n\n"
    "with DAG('dagfiles_legacy', schedule_interval=None) as dag:\n"
    "    BashOperator(task_id='hello', bash_command='echo hello')\n"
)


def call(platform: Platform, method: str, path: str, user: str = "dev_user", **kwargs: Any) -> Response:
    password = platform.admin_password if user == "admin" else role_password(user)
    return platform.request(method, "/wfo/api/v1" + path, token=platform.token(user, password), **kwargs)


def put(
    platform: Platform,
    name: str,
    content: str,
    base: str | None,
    user: str = "dev_user",
    **extra: Any,
) -> Response:
    body = {"content": content, "base_revision": base, **extra}
    return call(platform, "PUT", f"{BASE}/{name}", user, json_body=body)


def events(platform: Platform, action: str) -> list[dict[str, Any]]:
    resp = call(platform, "GET", f"/audit/events?action={action}&limit=50", "admin", expected=(200,))
    return list(resp.json()["events"])


def listed(platform: Platform) -> dict[str, dict[str, Any]]:
    files = call(platform, "GET", BASE, "viewer_user", expected=(200,)).json()["files"]
    return {f["name"]: f for f in files}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("notes.txt", ".py"),
        (".hidden.py", "hidden"),
        (quote("../escape.py", safe=""), ".."),
        (quote("team\\x.py", safe=""), "backslash"),
    ],
)
def test_bad_names_are_refused_with_a_reason(platform: Platform, name: str, reason: str) -> None:
    resp = put(platform, name, dag_source("dagfiles_bad_name"), None)
    assert resp.status == 400, resp.body
    assert reason in resp.json()["detail"]
    assert not (platform.home / "escape.py").exists()
    assert not any("escape" in n or n.endswith("notes.txt") for n in listed(platform))


def test_create_save_conflict_history_diff_restore(platform: Platform) -> None:
    name = "team/dagfiles_history.py"
    v1, v2 = dag_source("dagfiles_history", "one"), dag_source("dagfiles_history", "two")
    created = put(platform, name, v1, None, message="first version")
    assert created.status == 200, created.body
    first = created.json()
    assert first["validation"]["ok"] and first["validation"]["dag_ids"] == ["dagfiles_history"]
    assert (platform.home / "dags" / name).read_text() == v1

    again = put(platform, name, v2, None, user="admin")
    assert again.status == 409 and again.json()["detail"]["current_content"] == v1

    second = put(platform, name, v2, first["revision"]).json()
    # Someone else still holds the first revision: their save is refused, the other change shown.
    stale = put(platform, name, dag_source("dagfiles_history", "mine"), first["revision"], user="admin")
    assert stale.status == 409
    conflict = stale.json()["detail"]
    assert conflict["current_revision"] == second["revision"] and conflict["current_content"] == v2
    assert conflict["current_author"] == "dev_user" and conflict["current_time"]
    assert (platform.home / "dags" / name).read_text() == v2

    detail = call(platform, "GET", f"{BASE}/{name}", "viewer_user", expected=(200,)).json()
    assert detail["content"] == v2 and detail["revision"] == second["revision"] and not detail["legacy"]

    history = call(platform, "GET", f"{BASE}/{name}/history", "viewer_user", expected=(200,)).json()
    revisions = history["revisions"]
    assert [(r["action"], r["author"]) for r in revisions] == [("update", "dev_user"), ("create", "dev_user")]
    assert revisions[1]["message"] == "first version" and revisions[0]["message"] == f"Save {name}"
    assert revisions[0]["commit"] == second["commit"] and revisions[1]["revision"] == first["revision"]

    old = call(platform, "GET", f"{BASE}/{name}/revisions/{first['commit']}", "viewer_user", expected=(200,))
    assert old.json()["content"] == v1
    diff = call(
        platform,
        "GET",
        f"{BASE}/{name}/diff?from={first['commit']}&to=working",
        "viewer_user",
        expected=(200,),
    ).json()
    assert "-        return 'one'" in diff["diff"] and "+        return 'two'" in diff["diff"]
    assert (diff["from_content"], diff["to_content"]) == (v1, v2)
    assert call(platform, "GET", f"{BASE}/{name}/revisions/0000000", "viewer_user").status == 404

    stale_restore = call(
        platform,
        "POST",
        f"{BASE}/{name}/restore",
        json_body={"commit": first["commit"], "base_revision": first["revision"]},
    )
    assert stale_restore.status == 409
    restored = call(
        platform,
        "POST",
        f"{BASE}/{name}/restore",
        json_body={"commit": first["commit"], "base_revision": second["revision"]},
        expected=(200,),
    ).json()
    assert restored["revision"] == first["revision"]
    assert (platform.home / "dags" / name).read_text() == v1
    latest = call(platform, "GET", f"{BASE}/{name}/history", expected=(200,)).json()["revisions"][0]
    assert latest["action"] == "restore" and first["commit"][:12] in latest["message"]

    saves = [e for e in events(platform, "dag_file.save") if e["object_id"] == name]
    assert {"success", "failure"} <= {e["outcome"] for e in saves}
    assert any(e["outcome"] == "success" and e["user"] == "dev_user" for e in saves)
    assert any(e["object_id"] == name for e in events(platform, "dag_file.restore"))


def test_invalid_file_is_refused_unless_forced(platform: Platform) -> None:
    name = "dagfiles_broken.py"
    refused = put(platform, name, BROKEN, None)
    assert refused.status == 422, refused.body
    detail = refused.json()["detail"]
    error = detail["validation"]["errors"][0]
    assert error["kind"] == "syntax" and error["line"] == 4 and "validation" in detail["message"]
    assert not (platform.home / "dags" / name).exists()
    assert call(platform, "GET", f"{BASE}/{name}").status == 404

    forced = put(platform, name, BROKEN, None, force=True)
    assert forced.status == 200 and not forced.json()["validation"]["ok"]
    assert (platform.home / "dags" / name).read_text() == BROKEN
    event = next(
        e for e in events(platform, "dag_file.save") if e["object_id"] == name and e["outcome"] == "success"
    )
    assert event["details"]["saved_invalid"] is True and event["details"]["force"] is True

    # Airflow parses it at once (priority parse) and the listing shows its import error.
    deadline = time.monotonic() + 90
    while listed(platform)[name]["state"] != "error":
        assert time.monotonic() < deadline, listed(platform)[name]
        time.sleep(1)
    assert "never closed" in (listed(platform)[name]["error"] or "")


def test_validate_and_upgrade_endpoints(platform: Platform) -> None:
    ok = call(
        platform, "POST", f"{BASE}/validate", json_body={"name": "x.py", "content": dag_source("dagfiles_v")}
    )
    assert (
        ok.status == 200
        and ok.json()["validation"]["dag_ids"] == ["dagfiles_v"]
        and ok.json()["upgrade"] is None
    )
    legacy = call(
        platform, "POST", f"{BASE}/validate", json_body={"name": "l.py", "content": LEGACY}, expected=(200,)
    ).json()
    assert not legacy["validation"]["ok"] and "schedule=None" in legacy["upgrade"]["source"]
    # Reading an upgrade proposal is allowed to every reader; validating is for writers.
    proposal = call(
        platform, "POST", f"{BASE}/upgrade", "viewer_user", json_body={"name": "l.py", "content": LEGACY}
    )
    assert proposal.status == 200 and proposal.json()["changed"]
    viewer = call(
        platform, "POST", f"{BASE}/validate", "viewer_user", json_body={"name": "x.py", "content": "x = 1\n"}
    )
    assert viewer.status == 403


def test_upload_accepts_good_files_and_rejects_others_with_reasons(platform: Platform) -> None:
    body, content_type = multipart(
        [
            ("dagfiles_upload_a.py", dag_source("dagfiles_upload_a").encode()),
            ("dagfiles_upload_b.py", dag_source("dagfiles_upload_b").encode()),
            ("notes.txt", b"hello"),
            ("dagfiles_legacy.py", LEGACY.encode()),
            ("dagfiles_upload_broken.py", BROKEN.encode()),
        ],
        fields={"message": "first upload"},
    )
    headers = {"Content-Type": content_type}
    report = call(platform, "POST", BASE, data=body, headers=headers, expected=(200,)).json()
    assert sorted(report["added"]) == ["dagfiles_upload_a.py", "dagfiles_upload_b.py"]
    rejected = {r["name"]: r for r in report["rejected"]}
    assert ".py" in rejected["notes.txt"]["reason"]
    legacy = rejected["dagfiles_legacy.py"]
    assert legacy["upgrade"]["changed"] and "+from airflow.providers.standard" in legacy["upgrade"]["diff"]
    assert rejected["dagfiles_upload_broken.py"]["validation"]["errors"][0]["kind"] == "syntax"
    for name in ("notes.txt", "dagfiles_legacy.py", "dagfiles_upload_broken.py"):
        assert not (platform.home / "dags" / name).exists()
    # Both accepted files landed in one commit.
    heads = {
        call(platform, "GET", f"{BASE}/{n}/history", expected=(200,)).json()["revisions"][0]["commit"]
        for n in report["added"]
    }
    first = call(platform, "GET", f"{BASE}/dagfiles_upload_a.py/history").json()["revisions"][0]
    assert len(heads) == 1 and first["action"] == "upload" and first["message"] == "first upload"

    # The user accepts the proposed upgrade: the upgraded source saves, validates and is a DAG.
    saved = put(platform, "dagfiles_legacy.py", legacy["upgrade"]["source"], None)
    assert saved.status == 200 and saved.json()["validation"]["dag_ids"] == ["dagfiles_legacy"]

    only_bad, content_type = multipart([("again.txt", b"x"), ("dagfiles_legacy2.py", LEGACY.encode())])
    refused = call(platform, "POST", BASE, data=only_bad, headers={"Content-Type": content_type})
    assert refused.status == 422 and refused.json()["added"] == [] and len(refused.json()["rejected"]) == 2
    assert any(e["outcome"] == "failure" for e in events(platform, "dag_file.upload"))

    forced, content_type = multipart(
        [("dagfiles_forced_legacy.py", LEGACY.encode())], fields={"force": "true"}
    )
    accepted = call(
        platform, "POST", BASE, data=forced, headers={"Content-Type": content_type}, expected=(200,)
    )
    assert accepted.json()["added"] == ["dagfiles_forced_legacy.py"]


def test_saved_dag_appears_in_airflow_and_runs(platform: Platform) -> None:
    name = "dagfiles_runs.py"
    assert put(platform, name, dag_source("dagfiles_runs", "ran"), None).status == 200
    platform.wait_for_dag("dagfiles_runs", timeout=90)
    assert platform.trigger_and_wait("dagfiles_runs") == "success"
    entry = listed(platform)[name]
    assert entry["dag_ids"] == ["dagfiles_runs"] and entry["state"] == "ok" and entry["error"] is None
    assert [f["name"] for f in call(platform, "GET", f"{BASE}?q=DAGFILES_RUNS").json()["files"]] == [name]


def test_delete_checks_the_base_revision_and_keeps_history(platform: Platform) -> None:
    name = "dagfiles_delete_me.py"
    revision = put(platform, name, dag_source("dagfiles_delete_me"), None).json()["revision"]
    stale = call(platform, "DELETE", f"{BASE}/{name}?base_revision={'0' * 40}")
    assert stale.status == 409 and stale.json()["detail"]["current_revision"] == revision
    assert call(platform, "DELETE", f"{BASE}/{name}?base_revision={revision}").status == 204
    assert not (platform.home / "dags" / name).exists()
    assert call(platform, "GET", f"{BASE}/{name}").status == 404
    assert call(platform, "DELETE", f"{BASE}/{name}").status == 404
    history = call(platform, "GET", f"{BASE}/{name}/history", expected=(200,)).json()["revisions"]
    assert [r["action"] for r in history] == ["delete", "create"] and history[0]["revision"] is None
    assert any(e["object_id"] == name for e in events(platform, "dag_file.delete"))


def test_hand_edits_are_kept_as_an_external_change(platform: Platform) -> None:
    name = "dagfiles_by_hand.py"
    revision = put(platform, name, dag_source("dagfiles_by_hand", "api"), None).json()["revision"]
    (platform.home / "dags" / name).write_text(dag_source("dagfiles_by_hand", "hand"))
    stale = put(platform, name, dag_source("dagfiles_by_hand", "api2"), revision)
    assert stale.status == 409 and "'hand'" in stale.json()["detail"]["current_content"]
    current = stale.json()["detail"]["current_revision"]
    assert put(platform, name, dag_source("dagfiles_by_hand", "api2"), current).status == 200
    history = call(platform, "GET", f"{BASE}/{name}/history").json()["revisions"]
    assert [r["author"] for r in history] == ["dev_user", "external change", "dev_user"]


def test_readers_read_and_only_developers_and_admins_write(platform: Platform) -> None:
    name = "dagfiles_roles.py"
    assert put(platform, name, dag_source("dagfiles_roles"), None).status == 200
    for user in ("viewer_user", "plain_user", "op_user"):
        assert call(platform, "GET", BASE, user).status == 200
        assert call(platform, "GET", f"{BASE}/{name}", user).status == 200
        assert put(platform, name, dag_source("dagfiles_roles", user), None, user=user).status == 403
        assert call(platform, "DELETE", f"{BASE}/{name}", user).status == 403
    body, content_type = multipart([("dagfiles_viewer.py", dag_source("dagfiles_viewer").encode())])
    upload = call(platform, "POST", BASE, "viewer_user", data=body, headers={"Content-Type": content_type})
    assert upload.status == 403 and not (platform.home / "dags" / "dagfiles_viewer.py").exists()
    assert call(platform, "GET", BASE, "public_user").status == 403
    denied = call(platform, "GET", "/audit/events?user=viewer_user&limit=50", "admin").json()["events"]
    assert any(e["outcome"] == "denied" and "dag-files" in e["action"] for e in denied)


# --- the example DAGs shipped with wfo: listed read-only, copied to the DAGs folder ---------------------
EXAMPLES = "/dag-examples"
EXAMPLE_READER = ("ExampleReaderPi", "example_reader_pi", "pw-example_reader_pi-Secret1")


def test_examples_are_listed_read_only_with_their_dags(platform: Platform) -> None:
    platform.wait_for_dag("ExampleSparkPi")
    listed = call(platform, "GET", EXAMPLES, "viewer_user", expected=(200,)).json()["examples"]
    assert len(listed) == 11  # the bundle's system DAG (wfo_eda.py) is not an example
    assert not [e for e in listed if e["name"].startswith("wfo_")]
    assert call(platform, "GET", f"{EXAMPLES}/wfo_eda.py", "admin").status == 404
    pi = next(e for e in listed if e["name"] == "example_spark_pi.py")
    assert pi["dag_ids"] == ["ExampleSparkPi"] and pi["state"] == "ok"
    assert pi["description"].startswith("SparkPi with a JVM code artifact")
    # The DAGs folder's own listing does not mix them in.
    assert "example_spark_pi.py" not in listed_names(platform)

    found = call(platform, "GET", f"{EXAMPLES}?q=sparkpi", "viewer_user", expected=(200,)).json()["examples"]
    assert [e["name"] for e in found] == ["example_spark_pi.py"]
    example = call(platform, "GET", f"{EXAMPLES}/example_spark_pi.py", "viewer_user", expected=(200,)).json()
    assert 'dag_id="ExampleSparkPi"' in example["content"]

    missing = call(platform, "GET", f"{EXAMPLES}/no_such_example.py", "viewer_user")
    assert missing.status == 404 and missing.json()["detail"] == "there is no example DAG 'no_such_example.py'"
    assert call(platform, "GET", f"{EXAMPLES}/notes.txt", "viewer_user").status == 400
    # Read-only: a Viewer may not copy, and nothing under /dag-examples writes the bundle.
    refused = call(platform, "POST", f"{EXAMPLES}/example_spark_pi.py/copy", "viewer_user", json_body={})
    assert refused.status == 403


def listed_names(platform: Platform) -> set[str]:
    return set(listed(platform))


def test_copy_an_example_to_my_dags(platform: Platform) -> None:
    target = f"copies/pi_{time.time_ns()}.py"
    body = {"target": target}
    copied = call(platform, "POST", f"{EXAMPLES}/example_spark_pi.py/copy", json_body=body, expected=(201,))
    result = copied.json()
    dag_id = target.removeprefix("copies/").removesuffix(".py")
    assert result["name"] == target and result["example"] == "example_spark_pi.py"
    assert result["renamed"] == {"ExampleSparkPi": dag_id}
    assert result["validation"]["ok"] and result["validation"]["dag_ids"] == [dag_id]

    saved = call(platform, "GET", f"{BASE}/{target}", expected=(200,)).json()
    assert f'dag_id="{dag_id}"' in saved["content"] and "ExampleSparkPi" in saved["content"]  # app_name kept
    history = call(platform, "GET", f"{BASE}/{target}/history", expected=(200,)).json()["revisions"]
    assert [(r["action"], r["author"], r["message"]) for r in history] == [
        ("create", "dev_user", f"Copy example example_spark_pi.py to {target}")
    ]
    event = next(e for e in events(platform, "dag_file.copy") if e["object_id"] == target)
    assert event["outcome"] == "success" and event["details"]["example"] == "example_spark_pi.py"

    # Its own DAG in Airflow, next to the example's (which is still there).
    platform.wait_for_dag(dag_id)
    platform.wait_for_dag("ExampleSparkPi")

    # The same name again: refused with a clear message, nothing written.
    again = call(platform, "POST", f"{EXAMPLES}/example_spark_pi.py/copy", json_body=body)
    assert again.status == 409, again.body
    assert again.json()["detail"] == (
        f"{target!r} exists already in your DAGs folder: choose another name for the copy of 'example_spark_pi.py'"
    )
    assert len(call(platform, "GET", f"{BASE}/{target}/history", expected=(200,)).json()["revisions"]) == 1
    bad = call(platform, "POST", f"{EXAMPLES}/example_spark_pi.py/copy", json_body={"target": "../x.py"})
    assert bad.status == 400


def test_per_dag_access_applies_to_examples(platform: Platform) -> None:
    """A role that may read (and write DAG files for) ExampleSparkPi only: the other examples are invisible."""
    role_name, user, password = EXAMPLE_READER
    platform.wait_for_dag("ExampleSparkPi")
    grants = [
        ("can_read", "DAG:ExampleSparkPi"),
        ("can_read", "DAG Code"),
        ("can_read", "WFO DAG Files"),
        ("can_create", "WFO DAG Files"),
        ("can_edit", "WFO DAG Files"),
    ]
    role = {"name": role_name, "actions": [{"action": {"name": a}, "resource": {"name": r}} for a, r in grants]}
    platform.request("POST", "/auth/fab/v1/roles", json_body=role, token=platform.token(), expected=(200,))
    platform.create_user(user, role_name, password)
    token = platform.token(user, password)

    def as_reader(method: str, path: str, **kwargs: Any) -> Response:
        return platform.request(method, "/wfo/api/v1" + path, token=token, **kwargs)

    mine = as_reader("GET", EXAMPLES, expected=(200,)).json()["examples"]
    assert [e["name"] for e in mine] == ["example_spark_pi.py"]
    hidden = as_reader("GET", f"{EXAMPLES}/example_dask.py")
    missing = as_reader("GET", f"{EXAMPLES}/no_such_example.py")
    assert (hidden.status, hidden.json()["detail"]) == (404, "there is no example DAG 'example_dask.py'")
    assert missing.status == 404
    copy = as_reader("POST", f"{EXAMPLES}/example_dask.py/copy", json_body={"target": "copies/dask_hidden.py"})
    assert copy.status == 404
    assert call(platform, "GET", f"{BASE}/copies/dask_hidden.py").status == 404
