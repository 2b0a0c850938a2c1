"""Secrets canary sweep (issue 10): secrets we keep never show up where they should not.

Canary values go into every kind of secret wfo keeps — a keytab's key bytes, a Livy password — next to
the platform's own Fernet key, JWT secret and admin password. Then every place a user or a log can see is
read: each read route of ours for the group, the configs export without secrets (Admin and Op), Airflow's
connections API (where the group is published), the audit log, a task log of a task that loads the group,
`wfo env`, `wfo settings`, and every file under `$WFO_HOME/logs`. Only an Admin's explicit
`include_secrets` export may hold the canaries.
"""

from __future__ import annotations

import base64
import configparser
import io
import struct
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from helpers.platform_runner import WFO, Platform, multipart, role_password

pytestmark = pytest.mark.integration

API = "/wfo/api/v1"
KEY_BYTES = b"CANARY-KEYTAB-" + uuid.uuid4().hex[:18].encode()
LIVY_PASSWORD = "canary-livy-" + uuid.uuid4().hex


def _keytab(principal: str, key: bytes) -> bytes:
    """A one-entry MIT keytab (format 0x0502) whose key is `key`."""
    name, realm = principal.rsplit("@", 1)

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack(">H", len(raw)) + raw

    body = struct.pack(">H", 1) + text(realm) + text(name) + struct.pack(">I", 1)
    body += struct.pack(">IBH", 1_700_000_000, 3, 18) + struct.pack(">H", len(key)) + key + struct.pack(">I", 3)
    return bytes([5, 2]) + struct.pack(">i", len(body)) + body


def _forms(secret: bytes) -> list[bytes]:
    """How a secret could leak: as is, base64 (the published snapshot), hex."""
    return [secret, base64.b64encode(secret), secret.hex().encode()]


def _leaks(text: bytes, secrets: dict[str, bytes]) -> list[str]:
    """The names of the secrets found in `text`, each with a little context to find where it came from."""
    found = []
    for name, secret in secrets.items():
        for form in _forms(secret):
            at = text.find(form)
            if at >= 0:
                found.append(f"{name}: ...{text[max(at - 200, 0) : at].decode(errors='replace')}[HERE]")
                break
    return found


@pytest.fixture(scope="module")
def canary_group(platform: Platform) -> str:
    name = f"canary-{uuid.uuid4().hex[:6]}"
    platform.api("POST", "/config-groups", json_body={"name": name}, expected=(201,))
    body, content_type = multipart([("canary.keytab", _keytab("svc@CANARY.EXAMPLE", KEY_BYTES))])
    platform.api(
        "POST",
        f"/config-groups/{name}/kerberos/files",
        data=body,
        headers={"Content-Type": content_type},
        expected=(200,),
    )
    livy = {
        "python": {
            "url": "http://livy.canary.example:8998",
            "auth": "Basic_Access",
            "username": "svc",
            "password": LIVY_PASSWORD,
        }
    }
    platform.api("PUT", f"/config-groups/{name}/livy", json_body=livy, expected=(200,))
    return name


def _platform_secrets(platform: Platform) -> dict[str, bytes]:
    config = configparser.RawConfigParser()
    config.read(platform.home / "airflow.cfg")
    return {
        "keytab key": KEY_BYTES,
        "Livy password": LIVY_PASSWORD.encode(),
        "Fernet key": config.get("core", "fernet_key").encode(),
        "JWT secret": config.get("api_auth", "jwt_secret").encode(),
        "admin password": platform.admin_password.encode(),
    }


def _get(platform: Platform, path: str, user: str) -> bytes:
    password = platform.admin_password if user == "admin" else role_password(user)
    resp = platform.request("GET", path, token=platform.token(user, password))
    assert resp.status < 500, (path, resp.status, resp.body[:300])
    return resp.body


def _tar_text(data: bytes) -> bytes:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive:
            handle = archive.extractfile(member)
            if handle is not None:
                out.append(handle.read())
    return b"\n".join(out)


def test_no_secret_leaks_through_routes_exports_or_the_connections_api(
    platform: Platform, canary_group: str
) -> None:
    secrets = _platform_secrets(platform)
    group = f"{API}/config-groups/{canary_group}"
    reads = [
        f"{API}/config-groups",
        group,
        f"{group}/spark",
        f"{group}/hadoop",
        f"{group}/kerberos",
        f"{group}/livy",
        f"{group}/runtime",
        f"{API}/audit/events?limit=500",
        f"{API}/me",
        "/api/v2/connections?limit=1000",
        f"/api/v2/connections/wfo_config_group_{canary_group}",
        "/api/v2/connections/wfo_config_groups",
    ]
    found: dict[str, list[str]] = {}
    for user in ("admin", "op_user", "dev_user", "viewer_user"):
        for path in reads:
            leaked = _leaks(_get(platform, path, user), secrets)
            if leaked:
                found[f"{user} GET {path}"] = leaked
        export = platform.request(
            "GET", "/api/configs/", token=platform.token(user, None if user == "admin" else role_password(user))
        )
        if export.status == 200:
            leaked = _leaks(_tar_text(export.body), secrets)
            if leaked:
                found[f"{user} GET /api/configs/"] = leaked
    assert found == {}

    # The one place the canaries may appear: an Admin's explicit export with secrets...
    admin_export = platform.request("GET", "/api/configs/?include_secrets=true", token=platform.token())
    assert admin_export.status == 200
    leaked = " ".join(_leaks(_tar_text(admin_export.body), secrets))
    assert "keytab key" in leaked and "Livy password" in leaked
    # ... which an Op may not ask for.
    op = platform.request(
        "GET", "/api/configs/?include_secrets=true", token=platform.token("op_user", role_password("op_user"))
    )
    assert op.status == 403
    assert _leaks(op.body, secrets) == []


PROBE_DAG = """
from airflow.sdk import dag, task


@dag(dag_id={dag_id!r}, schedule=None, catchup=False)
def canary_probe():
    @task
    def show():
        from wfo.clusters.published import load_group_snapshot

        snapshot = load_group_snapshot({group!r})
        print("livy:", snapshot["livy"]["python"])
        print("keytabs:", snapshot["keytabs"])

    show()


canary_probe()
"""


def test_no_secret_leaks_into_task_logs_our_logs_or_the_cli(platform: Platform, canary_group: str) -> None:
    secrets = _platform_secrets(platform)
    dag_id = f"wfo_canary_probe_{canary_group.replace('-', '_')}"
    platform.deploy_dag(f"{dag_id}.py", PROBE_DAG.format(dag_id=dag_id, group=canary_group))
    run_id = platform.trigger(dag_id)
    assert platform.wait_for_run(dag_id, run_id) == "success"
    log = platform.task_log(dag_id, run_id, "show")
    assert "livy.canary.example" in log, log[-2000:]  # the task did print the snapshot
    assert _leaks(log.encode(), secrets) == []

    found = {}
    for path in sorted(Path(platform.home / "logs").rglob("*")):
        if path.is_file():
            leaked = _leaks(path.read_bytes(), secrets)
            if leaked:
                found[str(path.relative_to(platform.home))] = leaked
    for command in (["env"], ["settings"]):
        done = subprocess.run(
            [WFO, *command], env=platform.env(), capture_output=True, timeout=120, check=False
        )
        leaked = _leaks(done.stdout + done.stderr, secrets)
        if leaked:
            found["wfo " + " ".join(command)] = leaked
    assert found == {}
