"""The manual's Server Configuration QuickStart, clicked through in the browser.

Create a group, make it the default, upload the three Hadoop XML files and edit a property, set the
Spark master to yarn, upload krb5.conf and a real keytab (from a throwaway KDC realm) and select it,
save Livy settings (the header's "Last changed" follows without a reload), drop a Spark dependency,
upload a code artifact. The platform's default group is restored afterwards.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_ui_spine import login

from wfo.storage.xml import Property, render_hadoop_conf

from helpers.kdc import create_realm, missing_tools
from helpers.platform_runner import Platform, role_password

pytestmark = pytest.mark.e2e

# Playwright's `expect` waits 5 s by default; the pages' own waits use the suite's 20 s (conftest.py).
WAIT_MS = 20_000


def _site(**props: str) -> bytes:
    return render_hadoop_conf([Property(k.replace("_", "."), v) for k, v in props.items()])


@pytest.fixture
def quickstart_files(tmp_path: Path) -> dict[str, Path]:
    if missing_tools():
        pytest.fail(f"Kerberos tools missing: {missing_tools()} (./run test installs them)")
    realm = create_realm(tmp_path / "realm", name="LAB.EXAMPLE")
    realm.add_principal("etl")
    keytab = realm.export_keytab(tmp_path / "etl.keytab", "etl")
    files = {
        "core-site.xml": _site(fs_defaultFS="hdfs://namenode:8020"),
        "hdfs-site.xml": _site(dfs_replication="3"),
        "yarn-site.xml": _site(yarn_resourcemanager_hostname="rm.lab.example"),
        "krb5.conf": b"[libdefaults]\n  default_realm = LAB.EXAMPLE\n",
        "job.py": b"print('hello from the quickstart')\n",
        "mapred-site.xml": _site(mapreduce_framework_name="yarn"),
        "helpers.py": b"def helper():\n    return 1\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content)
    paths["etl.keytab"] = keytab
    return paths


def _drop_file(page: Any, zone_test_id: str, name: str, text: str) -> None:
    """Drop a file on an upload area as a browser does when one is dragged from the desktop."""
    page.get_by_test_id(zone_test_id).evaluate(
        """(zone, [name, text]) => {
            const files = new DataTransfer();
            files.items.add(new File([text], name));
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: files }));
            }
        }""",
        [name, text],
    )


def _column_headings(page: Any, table_test_id: str) -> list[str]:
    headings = page.get_by_test_id(table_test_id).locator("thead th")
    return [headings.nth(i).inner_text().strip() for i in range(headings.count())]


@pytest.fixture
def restore_default(platform: Platform) -> Iterator[None]:
    yield
    # Other tests run Spark on the default group: give it back.
    platform.api("POST", "/config-groups/default/default", expected=(200,))


def test_quickstart_in_the_browser(
    page: Any, platform: Platform, quickstart_files: dict[str, Path], restore_default: None
) -> None:
    group = f"cluster_{secrets.token_hex(3)}"
    login(page, platform, "admin", platform.admin_password)
    page.goto(platform.base_url + "/plugin/wfo/config-groups")
    page.get_by_role("heading", name="Config groups").wait_for()

    # Create the group and make it the default.
    page.get_by_test_id("group-add").click()
    page.get_by_test_id("name-dialog-input").fill(group)
    page.get_by_test_id("name-dialog-submit").click()
    page.get_by_test_id(f"group-row-{group}").wait_for()
    expect(page.get_by_test_id("groups-message")).to_contain_text(
        f"Added the group “{group}”", timeout=WAIT_MS
    )
    page.get_by_test_id(f"group-set-default-{group}").click()
    page.get_by_test_id(f"group-default-badge-{group}").wait_for()
    # The previous default can be deleted no more than the new one: the UI shows the server's reason.
    page.get_by_test_id(f"group-delete-{group}").click()
    page.get_by_test_id("confirm-ok").click()
    assert "default" in page.get_by_test_id("confirm-error").inner_text().lower()
    page.get_by_test_id("confirm-cancel").click()

    # Hadoop: the three required files, then edit a property.
    page.get_by_test_id(f"group-hadoop-link-{group}").click()
    page.get_by_role("heading", name="Hadoop configuration").wait_for()
    assert "core-site.xml" in page.get_by_test_id("hadoop-missing").inner_text()
    page.get_by_test_id("hadoop-upload-input").set_input_files(
        [str(quickstart_files[n]) for n in ("core-site.xml", "hdfs-site.xml", "yarn-site.xml")]
    )
    page.get_by_test_id("hadoop-file-row-yarn-site.xml").wait_for()
    assert page.get_by_test_id("hadoop-missing").count() == 0
    page.get_by_test_id("hadoop-file-link-hdfs-site.xml").click()
    page.get_by_test_id("hadoop-prop-value-dfs.replication").fill("2")
    page.get_by_test_id("hadoop-prop-add-name").fill("dfs.blocksize")
    page.get_by_test_id("hadoop-prop-add-value").fill("268435456")
    page.get_by_test_id("hadoop-prop-add").click()
    page.get_by_test_id("hadoop-submit").click()
    page.get_by_test_id("hadoop-prop-message").wait_for()
    props = platform.api("GET", f"/config-groups/{group}/hadoop/hdfs-site.xml").json()["properties"]
    assert {p["name"]: p["value"] for p in props} == {"dfs.replication": "2", "dfs.blocksize": "268435456"}

    # Spark: master yarn.
    page.goto(platform.base_url + f"/plugin/wfo/config-groups/{group}/spark")
    page.get_by_role("heading", name="Spark configuration").wait_for()
    page.get_by_test_id("spark-arg-value-master").fill("yarn")
    page.get_by_test_id("spark-save").click()
    page.get_by_test_id("spark-message").wait_for()
    assert platform.api("GET", f"/config-groups/{group}/spark").json()["arguments"]["master"] == "yarn"

    # Kerberos: krb5.conf and a real keytab; select it and set the principal.
    page.get_by_test_id("group-tab-kerberos").click()
    page.get_by_role("heading", name="Kerberos configuration").wait_for()
    page.get_by_test_id("kerberos-upload-input").set_input_files(
        [str(quickstart_files["krb5.conf"]), str(quickstart_files["etl.keytab"])]
    )
    row = page.get_by_test_id("keytab-row-etl.keytab")
    row.wait_for()
    assert "etl@LAB.EXAMPLE" in row.inner_text()
    page.get_by_test_id("kerberos-keytab").select_option("etl.keytab")
    page.get_by_test_id("kerberos-principal").fill("etl@LAB.EXAMPLE")
    page.get_by_test_id("kerberos-submit").click()
    page.get_by_test_id("kerberos-message").wait_for()
    kerberos = platform.api("GET", f"/config-groups/{group}/kerberos").json()
    assert (kerberos["principal"], kerberos["keytab"], kerberos["krb5_conf"]) == (
        "etl@LAB.EXAMPLE",
        "etl.keytab",
        True,
    )

    # Someone else changes the group meanwhile: the header says so once the page is opened again...
    op = {"user": "op_user", "password": role_password("op_user")}
    mapred = [("mapred-site.xml", quickstart_files["mapred-site.xml"].read_bytes())]
    assert platform.upload(f"/wfo/api/v1/config-groups/{group}/hadoop", mapred, **op).status == 200
    page.goto(platform.base_url + f"/plugin/wfo/config-groups/{group}/livy")
    page.get_by_role("heading", name="Livy configuration").wait_for()
    last_changed = page.get_by_test_id("group-last-changed")
    expect(last_changed).to_contain_text("by op_user", timeout=WAIT_MS)

    # Livy: a Basic_Access endpoint; the password is never shown again.
    page.get_by_test_id("livy-python-url").fill("http://livy.lab.example:8998")
    page.get_by_test_id("livy-python-auth").select_option("Basic_Access")
    page.get_by_test_id("livy-python-username").fill("etl")
    page.get_by_test_id("livy-python-password").fill("s3cret-livy")
    page.get_by_test_id("livy-save").click()
    page.get_by_test_id("livy-message").wait_for()
    # ...and after this save the header names the saver without a reload.
    expect(last_changed).to_contain_text("by admin", timeout=WAIT_MS)
    page.reload()
    page.get_by_test_id("livy-python-url").wait_for()
    assert page.get_by_test_id("livy-python-password").input_value() == ""
    assert "s3cret-livy" not in page.content()
    livy = platform.api("GET", f"/config-groups/{group}/livy").json()
    assert livy["python"]["password_set"] is True and "password" not in livy["python"]

    # A Spark dependency, dropped on the same kind of upload area as code artifacts have.
    page.get_by_test_id("wfo-nav-spark-dependencies").click()
    page.get_by_role("heading", name="Spark dependencies").wait_for()
    expect(page.get_by_test_id("deps-drop-zone-types")).to_have_text(
        "Accepted: .egg .jar .py .zip", timeout=WAIT_MS
    )
    dependency = f"quickstart_{secrets.token_hex(3)}.py"
    _drop_file(page, "deps-drop-zone", dependency, quickstart_files["helpers.py"].read_text())
    page.get_by_test_id(f"dep-row-{dependency}").wait_for()
    expect(page.get_by_test_id("deps-message")).to_contain_text(dependency, timeout=WAIT_MS)
    dependency_columns = _column_headings(page, "deps-table")
    platform.api("DELETE", f"/spark-dependencies/{dependency}", expected=(204,))

    # A code artifact.
    page.get_by_test_id("wfo-nav-code-artifacts").click()
    page.get_by_role("heading", name="Code artifacts").wait_for()
    assert ".R" in page.get_by_test_id("artifact-drop-zone-types").inner_text()
    page.get_by_test_id("artifact-upload-input").set_input_files([str(quickstart_files["job.py"])])
    page.get_by_test_id("artifact-row-job.py").wait_for()
    # One pattern for both repositories: the same columns first, then what artifacts add.
    artifact_columns = _column_headings(page, "artifacts-table")
    assert dependency_columns[:4] == artifact_columns[:4] == ["File name", "Type", "Size", "Last modified"]
    page.get_by_test_id("artifact-link-job.py").click()
    page.wait_for_url(re.compile(r".*/code-artifacts/job\.py$"))
    # The latest version's content is shown right away.
    page.get_by_test_id("artifact-content").wait_for()
    assert "hello from the quickstart" in page.get_by_test_id("artifact-content").inner_text()

    # What the workers will read: the group's published connection.
    groups = platform.api("GET", "/config-groups").json()["groups"]
    assert next(g for g in groups if g["name"] == group)["is_default"] is True
