"""The running platform: status, configuration, the role × route matrix, CSRF, audit events."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psutil
import pytest
from fastapi.routing import APIRoute
from urllib3 import encode_multipart_formdata

from wfo.auth.roles import ADMIN, ALL_ROLES, OUR_RESOURCES, role_permissions, roles_allowed

from helpers.platform_runner import ROLE_USERS, WFO, Platform, role_password, tar_gz
from helpers.routes import auth_markers, mounted_routes

pytestmark = pytest.mark.integration

ALL = {"Admin", "Op", "Developer", "User", "Viewer", "Public"}


@dataclass(frozen=True)
class Upload:
    """A multipart body with one file, for the routes that take uploads."""

    field: str
    filename: str
    data: bytes

    def request_args(self) -> dict[str, Any]:
        body, content_type = encode_multipart_formdata([(self.field, (self.filename, self.data))])
        return {"data": body, "headers": {"Content-Type": content_type}}


@dataclass(frozen=True)
class FormUpload(Upload):
    """A multipart body with one file and text fields (the models upload: kind, name, file)."""

    fields: tuple[tuple[str, str], ...] = ()

    def request_args(self) -> dict[str, Any]:
        parts: list[tuple[str, Any]] = [*self.fields, (self.field, (self.filename, self.data))]
        body, content_type = encode_multipart_formdata(parts)
        return {"data": body, "headers": {"Content-Type": content_type}}


DEPS = "/wfo/api/v1/spark-dependencies"
ARTIFACTS = "/wfo/api/v1/code-artifacts"
MATRIX_JAR = Upload("files", "matrix.jar", b"matrix jar")
MATRIX_PY = Upload("files", "matrix.py", b"print('matrix')\n")
GROUPS = "/wfo/api/v1/config-groups"
GROUP = f"{GROUPS}/matrix"
GROUP_EDITORS = {"Admin", "Op"}
CODE_WRITERS = {"Admin", "Developer"}
BRICKS = "/wfo/api/v1/code-bricks"
DAG_FILES = "/wfo/api/v1/dag-files"
DAG_FILE = f"{DAG_FILES}/matrix_dag.py"
# The shipped examples (read-only bundle); in-process checks only, so the name need not exist.
DAG_EXAMPLES = "/wfo/api/v1/dag-examples"
MATRIX_DAG = b"from airflow.sdk import DAG\n\nwith DAG('matrix_dag', schedule=None):\n    pass\n"
# The git blob id of MATRIX_DAG: the revision a save must be based on.
MATRIX_DAG_REVISION = hashlib.sha1(b"blob %d\0" % len(MATRIX_DAG) + MATRIX_DAG).hexdigest()
# `{brick_id}` is replaced by the id of the brick the route's setup makes sure exists.
BRICK = f"{BRICKS}/{{brick_id}}"
SLA_MISSES = "/wfo/api/v1/sla-misses"
EDA = "/wfo/api/v1/eda"
EDA_RUNS = f"{EDA}/runs"
EDA_USERS = {"Admin", "Developer"}
NOTEBOOKS = "/wfo/api/v1/notebooks"
NOTEBOOK = f"{NOTEBOOKS}/files/own/matrix.ipynb"
MATRIX_NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
MATRIX_GIT = {
    "remote_url": "file:///nonexistent/matrix.git",
    "author_name": "Matrix",
    "author_email": "matrix@example.org",
}
MODELS = "/wfo/api/v1/models"
MODEL = f"{MODELS}/matrix-model"
# Spark's UI of the Spark Connect server, through wfo (one route for every page of it).
SPARK_UI_ROUTE = "/wfo/spark-ui/{path:path}"
SPARK_UI = "/wfo/spark-ui/jobs/"
MATRIX_MODEL = FormUpload(
    "file", "matrix.csv", b"a,b\n1,2\n", (("kind", "dataset"), ("name", "matrix-model"))
)
MATRIX_XML = Upload(
    "files",
    "core-site.xml",
    b"<configuration><property><name>a</name><value>1</value></property></configuration>",
)
# A keytab (format 0x0502) with one entry for m@EX.
MATRIX_KEYTAB = Upload(
    "files",
    "matrix.keytab",
    bytes.fromhex(
        "05020000002a00010002455800016d000000016553f10003001200104b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b00000003"
    ),
)
# (method, path, body) -> roles that get 2xx. Everybody else gets 403; anonymous gets 401.
MATRIX: dict[tuple[str, str], tuple[set[str], object]] = {
    ("GET", "/wfo/api/v1/me"): (ALL, None),
    ("GET", "/wfo/api/v1/audit/events"): ({"Admin", "Op"}, None),
    ("GET", "/wfo/api/v1/audit/actions"): ({"Admin", "Op"}, None),
    ("GET", "/wfo/api/v1/visualisations"): (ALL - {"Public"}, None),
    ("PUT", "/wfo/api/v1/visualisations"): ({"Admin"}, {"url": "https://bi.example.com/matrix"}),
    ("GET", "/wfo/api/v1/ldap"): ({"Admin"}, None),
    # The DB login, as saved already: nothing FAB reads changes, the api-server is not restarted.
    ("PUT", "/wfo/api/v1/ldap"): ({"Admin"}, {"auth_type": "db"}),
    ("POST", "/wfo/api/v1/ldap/test"): ({"Admin"}, {"settings": {"server": "ldap://127.0.0.1:9"}}),
    ("GET", "/wfo/openapi.json"): (ALL, None),
    ("GET", "/wfo/static/wfo-ui.umd.cjs"): (ALL, None),
    ("GET", DEPS): (ALL - {"Public"}, None),
    ("POST", DEPS): ({"Admin", "Developer"}, MATRIX_JAR),
    ("GET", f"{DEPS}/matrix.jar/download"): (ALL - {"Public"}, None),
    ("DELETE", f"{DEPS}/matrix.jar"): ({"Admin", "Developer"}, None),
    ("GET", ARTIFACTS): (ALL - {"Public"}, None),
    ("POST", ARTIFACTS): ({"Admin", "Developer"}, MATRIX_PY),
    ("GET", f"{ARTIFACTS}/matrix.py"): (ALL - {"Public"}, None),
    ("GET", f"{ARTIFACTS}/matrix.py/content"): (ALL - {"Public"}, None),
    ("GET", f"{ARTIFACTS}/matrix.py/download"): (ALL - {"Public"}, None),
    ("POST", f"{ARTIFACTS}/matrix.py/restore"): ({"Admin", "Developer"}, {"version": 1}),
    ("DELETE", f"{ARTIFACTS}/matrix.py"): ({"Admin", "Developer"}, None),
    ("GET", "/api/dependencies/"): (ALL - {"Public"}, None),
    ("POST", "/api/dependencies/"): (
        {"Admin", "Developer"},
        Upload("sources", "dependencies.tar.gz", tar_gz({"matrix.jar": MATRIX_JAR.data})),
    ),
    ("GET", "/api/configs/"): (ALL - {"Public"}, None),
    ("POST", "/api/configs/"): (
        GROUP_EDITORS,
        Upload(
            "sources",
            "configs.tar.gz",
            tar_gz(
                {
                    "configs/manifest.json": b'{"format": 1, "default": null}',
                    "configs/matrix-import/group.json": b"{}",
                }
            ),
        ),
    ),
    ("GET", GROUPS): (ALL - {"Public"}, None),
    ("POST", GROUPS): (GROUP_EDITORS, {"name": "matrix-new"}),
    ("GET", GROUP): (ALL - {"Public"}, None),
    ("PATCH", GROUP): (GROUP_EDITORS, {"name": "matrix"}),
    ("DELETE", GROUP): (GROUP_EDITORS, None),
    ("POST", f"{GROUP}/clone"): (GROUP_EDITORS, {"name": "matrix-copy"}),
    ("POST", f"{GROUP}/default"): (GROUP_EDITORS, None),
    ("GET", f"{GROUP}/hadoop"): (ALL - {"Public"}, None),
    ("POST", f"{GROUP}/hadoop"): (GROUP_EDITORS, MATRIX_XML),
    ("GET", f"{GROUP}/hadoop/core-site.xml"): (ALL - {"Public"}, None),
    ("GET", f"{GROUP}/hadoop/core-site.xml/download"): (ALL - {"Public"}, None),
    ("PUT", f"{GROUP}/hadoop/core-site.xml"): (GROUP_EDITORS, {"properties": [{"name": "a", "value": "1"}]}),
    ("DELETE", f"{GROUP}/hadoop/core-site.xml"): (GROUP_EDITORS, None),
    ("GET", f"{GROUP}/spark"): (ALL - {"Public"}, None),
    # A non-code change (master): Op yes, Developer no (code settings are tested in tests/integration/clusters).
    ("PUT", f"{GROUP}/spark"): (GROUP_EDITORS, {"arguments": {"master": "yarn"}}),
    ("GET", f"{GROUP}/kerberos"): (ALL - {"Public"}, None),
    ("PUT", f"{GROUP}/kerberos"): (GROUP_EDITORS, {"principal": "matrix@EXAMPLE.COM"}),
    ("POST", f"{GROUP}/kerberos/files"): (GROUP_EDITORS, MATRIX_KEYTAB),
    ("DELETE", f"{GROUP}/kerberos/keytabs/matrix.keytab"): (GROUP_EDITORS, None),
    ("DELETE", f"{GROUP}/kerberos/krb5.conf"): (GROUP_EDITORS, None),
    ("GET", f"{GROUP}/livy"): (ALL - {"Public"}, None),
    ("PUT", f"{GROUP}/livy"): (GROUP_EDITORS, {"python": {"url": "http://livy.example.com:8998"}}),
    ("GET", f"{GROUP}/runtime"): (ALL - {"Public"}, None),
    # The runtime section is a code setting (Python interpreters): Developer and Admin, not Op.
    ("PUT", f"{GROUP}/runtime"): (CODE_WRITERS, {"dask": {"local_workers": 3}}),
    ("GET", f"{GROUP}/spark-engine"): (ALL - {"Public"}, None),
    # Where PySpark runs (spark-submit or a Spark Connect server) is a code setting: Developer and Admin.
    ("PUT", f"{GROUP}/spark-engine"): (CODE_WRITERS, {"engine": "connect", "url": "sc://spark.lan:15002"}),
    ("GET", DAG_FILES): (ALL - {"Public"}, None),
    ("POST", DAG_FILES): (CODE_WRITERS, Upload("files", "matrix_dag.py", MATRIX_DAG)),
    ("POST", f"{DAG_FILES}/validate"): (CODE_WRITERS, {"name": "matrix_dag.py", "content": "x = 1\n"}),
    ("POST", f"{DAG_FILES}/upgrade"): (ALL - {"Public"}, {"name": "matrix_dag.py", "content": "x = 1\n"}),
    ("GET", DAG_FILE): (ALL - {"Public"}, None),
    ("PUT", DAG_FILE): (CODE_WRITERS, {"content": MATRIX_DAG.decode(), "base_revision": MATRIX_DAG_REVISION}),
    ("DELETE", DAG_FILE): (CODE_WRITERS, None),
    ("GET", f"{DAG_FILE}/history"): (ALL - {"Public"}, None),
    ("GET", f"{DAG_FILE}/revisions/HEAD"): (ALL - {"Public"}, None),
    ("GET", f"{DAG_FILE}/diff"): (ALL - {"Public"}, None),
    ("POST", f"{DAG_FILE}/restore"): (CODE_WRITERS, {"commit": "HEAD", "base_revision": MATRIX_DAG_REVISION}),
    ("GET", DAG_EXAMPLES): (ALL - {"Public"}, None),
    ("GET", f"{DAG_EXAMPLES}/matrix_dag.py"): (ALL - {"Public"}, None),
    ("POST", f"{DAG_EXAMPLES}/matrix_dag.py/copy"): (CODE_WRITERS, {"target": "matrix_copy.py"}),
    ("GET", "/api/dags/"): (ALL - {"Public"}, None),
    ("POST", "/api/dags/"): (
        CODE_WRITERS,
        Upload("sources", "dags.tar.gz", tar_gz({"matrix_dag.py": MATRIX_DAG})),
    ),
    ("GET", BRICKS): (ALL - {"Public"}, None),
    ("POST", BRICKS): (CODE_WRITERS, {"title": "matrix new brick", "code": "x = 1\n"}),
    ("PUT", BRICK): (CODE_WRITERS, {"title": "matrix brick", "code": "x = 2\n", "tags": ["matrix"]}),
    ("DELETE", BRICK): (CODE_WRITERS, None),
    ("GET", SLA_MISSES): (ALL - {"Public"}, None),
    ("PATCH", f"{SLA_MISSES}/{{miss_id}}"): ({"Admin", "Op", "Developer", "User"}, {"note": "matrix"}),
    ("POST", EDA_RUNS): (EDA_USERS, {"source": "store://matrix.csv"}),
    ("GET", f"{EDA_RUNS}/{{run_id}}"): (EDA_USERS, None),
    ("GET", f"{EDA_RUNS}/{{run_id}}/report"): (EDA_USERS, None),
    ("GET", f"{EDA_RUNS}/{{run_id}}/report.json"): (EDA_USERS, None),
    ("GET", f"{EDA}/sources"): (EDA_USERS, None),
    ("POST", f"{EDA}/sources"): (EDA_USERS, {"source": "store://matrix.csv"}),
    ("DELETE", f"{EDA}/sources/{{source_id}}"): (EDA_USERS, None),
    ("GET", f"{EDA}/outputs/{{key:path}}"): (EDA_USERS, None),
    ("DELETE", f"{EDA}/outputs/{{folder:path}}"): (EDA_USERS, None),
    ("POST", f"{EDA}/uploads"): (EDA_USERS, Upload("file", "matrix.csv", b"a,b\n1,2\n")),
    ("POST", f"{NOTEBOOKS}/login"): (EDA_USERS, None),
    ("GET", NOTEBOOKS): (EDA_USERS, None),
    ("POST", f"{NOTEBOOKS}/uploads"): (
        EDA_USERS,
        FormUpload("file", "matrix.ipynb", MATRIX_NOTEBOOK, (("folder", "own"),)),
    ),
    ("GET", NOTEBOOK): (EDA_USERS, None),
    ("DELETE", NOTEBOOK): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/view/own/matrix.ipynb"): (EDA_USERS, None),
    ("POST", NOTEBOOKS): (
        EDA_USERS,
        FormUpload("file", "matrix.ipynb", MATRIX_NOTEBOOK, (("path", "matrix.ipynb"),)),
    ),
    ("GET", f"{NOTEBOOKS}/content"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/parameters"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/schedules/next-runs"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/schedules"): (EDA_USERS, None),
    ("POST", f"{NOTEBOOKS}/schedules"): (
        EDA_USERS,
        {"notebook": "common_workspace/m.ipynb", "schedule": "@once"},
    ),
    ("DELETE", f"{NOTEBOOKS}/schedules/{{dag_id}}"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/runs"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/git/config"): (EDA_USERS, None),
    ("PUT", f"{NOTEBOOKS}/git/config"): (EDA_USERS, MATRIX_GIT),
    ("DELETE", f"{NOTEBOOKS}/git/config"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/git/status"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/git/diff"): (EDA_USERS, None),
    ("POST", f"{NOTEBOOKS}/git/commits"): (EDA_USERS, {"files": ["m.ipynb"], "message": "m"}),
    ("GET", f"{NOTEBOOKS}/git/commits"): (EDA_USERS, None),
    ("GET", f"{NOTEBOOKS}/git/commits/HEAD"): (EDA_USERS, None),
    ("POST", f"{NOTEBOOKS}/git/pull"): (EDA_USERS, None),
    ("POST", f"{NOTEBOOKS}/git/push"): (EDA_USERS, None),
    ("GET", MODELS): (ALL - {"Public"}, None),
    ("POST", MODELS): (CODE_WRITERS, MATRIX_MODEL),
    ("GET", MODEL): (ALL - {"Public"}, None),
    ("GET", f"{MODEL}/download"): (ALL - {"Public"}, None),
    ("POST", f"{MODEL}/restore"): (CODE_WRITERS, {"version": 1}),
    ("DELETE", MODEL): (CODE_WRITERS, None),
    ("DELETE", f"{MODEL}/versions/{{version}}"): (CODE_WRITERS, None),
    ("POST", f"{MODEL}/keys"): (CODE_WRITERS, {"label": "matrix"}),
    ("DELETE", f"{MODEL}/keys/{{key_id}}"): (CODE_WRITERS, None),
    ("PUT", f"{MODEL}/public"): ({"Admin"}, {"public": False}),
    ("POST", f"{MODEL}/try"): (ALL - {"Public"}, {"protocol": "v2", "request": {}}),
    ("GET", SPARK_UI): (CODE_WRITERS, None),
}
# Answers that mean "let through" besides 2xx, for routes whose backend this platform may not run: the Spark
# UI is there only while the Spark Connect server runs (lazily started; its pages are checked with a running
# server in tests/integration/operators/test_operators_spark_connect.py).
ADMITTED_WITHOUT_BACKEND = {("GET", SPARK_UI): (503, "the Spark Connect server is not running")}


def _matrix_group(
    *, spark: dict[str, Any] | None = None, upload: Upload | None = None, to: str = ""
) -> Callable[[Platform], None]:
    """Setup for config-group routes: group `matrix` exists and is not the default, plus one change."""

    def setup(platform: Platform) -> None:
        token = platform.token()
        platform.request("POST", GROUPS, token=token, json_body={"name": "matrix"}, expected=(201, 409))
        platform.request("POST", f"{GROUPS}/default/default", token=token, expected=(200,))
        if spark is not None:
            platform.request("PUT", f"{GROUP}/spark", token=token, json_body=spark, expected=(200,))
        if upload is not None:
            platform.request("POST", f"{GROUP}/{to}", token=token, expected=(200,), **upload.request_args())

    return setup


def _brick_by_title(platform: Platform, title: str) -> dict[str, Any] | None:
    listed = platform.request("GET", BRICKS, token=platform.token(), expected=(200,)).json()["bricks"]
    return next((b for b in listed if b["title"] == title), None)


def _matrix_brick(platform: Platform) -> str:
    """Setup for `/code-bricks/{brick_id}`: the brick "matrix brick" exists; returns the concrete path."""
    body = {"title": "matrix brick", "code": "x = 1\n"}
    platform.request("POST", BRICKS, token=platform.token(), json_body=body, expected=(201, 409))
    brick = _brick_by_title(platform, "matrix brick")
    assert brick is not None
    return BRICK.replace("{brick_id}", str(brick["id"]))


_EDA_RUN: dict[str, str] = {}


def _matrix_eda_run(platform: Platform) -> str:
    """Setup for `/eda/runs/{run_id}`: one EDA run exists (started once; its source need not exist)."""
    if not _EDA_RUN:
        body = {"source": "store://matrix.csv"}
        created = platform.request("POST", EDA_RUNS, token=platform.token(), json_body=body, expected=(201,))
        _EDA_RUN["path"] = f"{EDA_RUNS}/{created.json()['run_id']}"
    return _EDA_RUN["path"]


def _matrix_model(platform: Platform) -> None:
    """Setup for `/models/matrix-model`: the dataset exists."""
    platform.request("POST", MODELS, token=platform.token(), expected=(201,), **MATRIX_MODEL.request_args())


# The matrix is checked in two halves. In-process, for every route: the roles its auth marker admits
# (`wfo.plugin.deps.require(resource, action)`, read against `wfo.auth.roles.GRANTS`) are the ones MATRIX
# names. Over HTTP, for every role and anonymous: one route per resource (so FAB really enforces each
# resource's grants), the manual-compatible apps (mounted apart, Bearer only), and the routes that decide
# inside who may (`require_any`: the service decides what the change needs).
DECIDED_IN_ROUTE = {
    # Op may change non-code settings, Developer code settings (tests/integration/clusters has the cases).
    ("PUT", f"{GROUP}/spark"),
    ("POST", f"{GROUP}/kerberos/files"),
    ("DELETE", f"{GROUP}/kerberos/krb5.conf"),
}
OVER_HTTP = {
    ("GET", "/wfo/api/v1/me"),
    ("GET", "/wfo/api/v1/audit/events"),
    ("PUT", "/wfo/api/v1/visualisations"),
    ("GET", "/wfo/api/v1/ldap"),
    ("PUT", f"{GROUP}/livy"),
    ("PUT", f"{GROUP}/runtime"),
    ("PUT", f"{GROUP}/spark-engine"),
    ("POST", DEPS),
    ("POST", ARTIFACTS),
    ("POST", f"{DAG_FILES}/validate"),
    ("PUT", BRICK),
    ("GET", "/api/dependencies/"),
    ("GET", "/api/configs/"),
    ("GET", "/api/dags/"),
    ("GET", SLA_MISSES),
    ("GET", f"{EDA_RUNS}/{{run_id}}"),
    ("POST", f"{NOTEBOOKS}/login"),
    ("POST", MODELS),
    ("PUT", f"{MODEL}/public"),
    ("GET", SPARK_UI),
    *DECIDED_IN_ROUTE,
}
# Run before each request of a route (as admin): the object the route changes must exist. A setup may
# return the concrete path to request (for routes whose parameter is a generated id).
SETUP: dict[tuple[str, str], Callable[[Platform], str | None]] = {
    ("PUT", BRICK): _matrix_brick,
    ("PUT", f"{GROUP}/livy"): _matrix_group(),
    ("PUT", f"{GROUP}/runtime"): _matrix_group(),
    ("PUT", f"{GROUP}/spark-engine"): _matrix_group(),
    ("PUT", f"{GROUP}/spark"): _matrix_group(spark={"arguments": {"master": "local[*]"}}),
    ("POST", f"{GROUP}/kerberos/files"): _matrix_group(),
    ("DELETE", f"{GROUP}/kerberos/krb5.conf"): _matrix_group(
        upload=Upload("files", "krb5.conf", b"[libdefaults]\n"), to="kerberos/files"
    ),
    ("GET", f"{EDA_RUNS}/{{run_id}}"): _matrix_eda_run,
    ("PUT", f"{MODEL}/public"): _matrix_model,
}
# Value of `{name}` in a route's path template, by path prefix (default: the UI bundle's name).
PATH_NAMES = {f"{DEPS}/": "matrix.jar", f"{ARTIFACTS}/": "matrix.py", f"{MODELS}/": "matrix-model"}


# Values of the config-group routes' path parameters.
GROUP_PARAMS = {
    "{group}": "matrix",
    "{file}": "core-site.xml",
    "{keytab}": "matrix.keytab",
    # DAG file names may contain "/", hence `{name:path}`.
    "{name:path}": "matrix_dag.py",
    "{commit}": "HEAD",
    "{folder}": "own",
    "{path:path}": "matrix.ipynb",
}


def _concrete(path: str) -> str:
    if path == SPARK_UI_ROUTE:
        return SPARK_UI
    value = next((v for prefix, v in PATH_NAMES.items() if path.startswith(prefix)), "wfo-ui.umd.cjs")
    for param, concrete in GROUP_PARAMS.items():
        path = path.replace(param, concrete)
    return path.replace("{name}", value)


def _request_args(body: object) -> dict[str, Any]:
    return body.request_args() if isinstance(body, Upload) else {"json_body": body}


def _token(platform: Platform, username: str) -> str:
    password = platform.admin_password if username == "admin" else role_password(username)
    return platform.token(username, password)


def test_status_names_every_component(platform: Platform) -> None:
    out = subprocess.run(
        [WFO, "status"], env=platform.env(), capture_output=True, text=True, check=True
    ).stdout
    for component in ("api-server", "scheduler", "dag-processor", "triggerer", "dag-validator"):
        line = next(line for line in out.splitlines() if line.strip().startswith(component))
        assert "running" in line and "NOT" not in line
    assert "health scheduler" in out and "healthy" in out


def test_status_json_lists_components_with_state_and_url(platform: Platform) -> None:
    done = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    components = {c["name"]: c for c in report["components"]}
    assert {"api-server", "scheduler", "dag-processor", "triggerer"} <= set(components)
    assert all(c["state"] == "running" for c in components.values()), components
    assert components["api-server"]["url"] == platform.base_url
    assert components["scheduler"]["url"] is None
    assert report["health"]["scheduler"] == "healthy"
    # The Spark Connect server's keeper runs; its JVM waits for a first use (WFO_SPARK_CONNECT=lazy) or runs.
    assert "spark-connect" in components
    connect = report["spark_connect"]
    assert connect["state"] in ("idle", "starting", "running"), connect
    assert connect["url"] == f"sc://localhost:{platform.port + 5000}"


def test_the_scheduler_listens_for_wake_ups_from_the_api_server(platform: Platform) -> None:
    assert platform.config_value("core", "executor") == "wfo.executor.WfoLocalExecutor"
    state = json.loads((platform.home / "run" / "wfo.json").read_text())
    sockets = sorted((platform.home / "run").glob("scheduler-wake-*.sock"))
    # Bound by the executor inside the scheduler process (or a child of the component's process).
    assert sockets, "no wake-up socket: the scheduler polls instead"
    scheduler = psutil.Process(int(state["components"]["scheduler"]))
    pids = {scheduler.pid, *(child.pid for child in scheduler.children(recursive=True))}
    assert any(
        int(path.name.removeprefix("scheduler-wake-").removesuffix(".sock")) in pids for path in sockets
    )


def test_generated_config_is_private_and_follows_the_port(platform: Platform) -> None:
    cfg = platform.home / "airflow.cfg"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    get = platform.config_value
    assert get("api", "base_url") == platform.base_url
    assert get("core", "execution_api_server_url") == f"{platform.base_url}/execution/"
    assert get("logging", "worker_log_server_port") == str(platform.port + 1000)
    assert get("logging", "trigger_log_server_port") == str(platform.port + 2000)
    assert get("core", "auth_manager").endswith("FabAuthManager")


def test_wfo_env_prints_worker_exports_without_db_url(platform: Platform) -> None:
    out = subprocess.run([WFO, "env"], env=platform.env(), capture_output=True, text=True, check=True).stdout
    assert f"AIRFLOW__CORE__EXECUTION_API_SERVER_URL={platform.base_url}/execution/" in out
    assert "SQL_ALCHEMY_CONN" not in out and "sqlite" not in out


def test_users_are_managed_with_the_airflow_cli(platform: Platform) -> None:
    # Every role exists, Developer included: test_fab_holds_each_roles_grants reads each one.
    platform.create_user_with_cli("cli_viewer", "Viewer", "pw-cli-viewer-Secret1")
    users = platform.airflow_cli("users", "list", "-o", "plain").stdout
    for username in [*ROLE_USERS, "cli_viewer"]:
        assert username in users
    token = platform.token("cli_viewer", "pw-cli-viewer-Secret1")
    assert platform.request("GET", "/wfo/api/v1/me", token=token).json()["roles"] == ["Viewer"]


@pytest.mark.parametrize(("method", "path"), sorted(OVER_HTTP))
def test_role_route_matrix(platform: Platform, method: str, path: str) -> None:
    allowed, body = MATRIX[(method, path)]
    setup = SETUP.get((method, path), lambda platform: None)
    concrete = setup(platform) or path
    anonymous = platform.request(method, concrete, **_request_args(body))
    assert anonymous.status == 401, (path, anonymous.body)
    for username, role in ROLE_USERS.items():
        concrete = setup(platform) or path
        resp = platform.request(method, concrete, token=_token(platform, username), **_request_args(body))
        if role in allowed and (method, path) in ADMITTED_WITHOUT_BACKEND and resp.status >= 300:
            status, message = ADMITTED_WITHOUT_BACKEND[(method, path)]
            assert resp.status == status and message in resp.body.decode(), (role, path, resp.status, resp.body)
        elif role in allowed:
            assert 200 <= resp.status < 300, (role, path, resp.status, resp.body)
        else:
            assert resp.status == 403, (role, path, resp.status, resp.body)


def _marked_routes() -> Iterator[tuple[tuple[str, str], list[tuple[str, str]]]]:
    """((method, concrete path), auth markers) of every route of every app we mount."""
    for prefix, route in mounted_routes():
        assert isinstance(route, APIRoute), f"{prefix}{route.path} is not an API route"
        for method in sorted(route.methods - {"HEAD"}):
            yield (method, _concrete(prefix + route.path)), auth_markers(route)


def _any_of(marker: Any) -> bool:
    """`require_any` marks its dependency with a tuple of (resource, action) pairs, any of which admits."""
    return isinstance(marker[0], tuple)


def _admitted(markers: list[Any]) -> set[str]:
    """The roles every marker of a route lets through (`*`: any logged-in user)."""
    admitted = set(ALL_ROLES)
    for marker in markers:
        pairs = marker if _any_of(marker) else (marker,)
        admits = [set(ALL_ROLES) if res == "*" else roles_allowed(res, action) for res, action in pairs]
        admitted &= set().union(*admits)
    return admitted


def test_every_route_admits_the_roles_the_matrix_names() -> None:
    checked, decided, wrong = 0, set(), []
    for key, markers in _marked_routes():
        assert markers, f"{key} has no auth dependency"
        admitted, named = _admitted(markers), MATRIX[key][0]
        if any(_any_of(marker) for marker in markers):
            # The marker lets through everyone who may make some change; the route decides the rest.
            decided.add(key)
            assert named <= admitted, (key, markers, sorted(admitted), sorted(named))
            continue
        checked += 1
        if admitted != named:
            wrong.append(f"{key}: {markers} admit {sorted(admitted)}, MATRIX says {sorted(named)}")
    assert not wrong, "\n".join(wrong)
    assert checked + len(decided) == len(MATRIX)
    # What the markers cannot tell is seen over HTTP, role by role.
    assert decided <= OVER_HTTP, f"add to DECIDED_IN_ROUTE: {decided - OVER_HTTP}"


def test_every_resource_is_requested_over_http() -> None:
    """A new resource needs its route in OVER_HTTP: its grants must be seen enforced by a real request."""
    resources = {
        key: {res for marker in markers for res, _ in (marker if _any_of(marker) else (marker,))}
        for key, markers in _marked_routes()
    }
    over_http = set().union(*(resources[key] for key in OVER_HTTP))
    assert set().union(*resources.values()) <= over_http
    assert OVER_HTTP <= set(MATRIX)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_fab_holds_each_roles_grants(platform: Platform, role: str) -> None:
    """The init step applied `wfo.auth.roles.GRANTS`: each role holds its grants on our resources, no more."""
    held = {
        (p["action"]["name"], p["resource"]["name"])
        for p in platform.request(
            "GET", f"/auth/fab/v1/roles/{role}", token=platform.token(), expected=(200,)
        ).json()["actions"]
    }
    assert role_permissions(role) <= held
    if role != ADMIN:  # FAB gives Admin every permission there is
        ours = {(action, resource) for action, resource in held if resource in OUR_RESOURCES}
        granted = {(action, res) for action, res in role_permissions(role) if res in OUR_RESOURCES}
        assert ours == granted


def test_matrix_covers_every_route() -> None:
    routes = set()
    for prefix, route in mounted_routes():
        for method in sorted(getattr(route, "methods", set()) - {"HEAD"}):
            path = _concrete(prefix + route.path)
            routes.add((method, path))
    assert routes == set(MATRIX), f"update MATRIX: {routes ^ set(MATRIX)}"


def test_me_tells_roles_and_permissions(platform: Platform) -> None:
    me = platform.request("GET", "/wfo/api/v1/me", token=_token(platform, "viewer_user")).json()
    assert me["username"] == "viewer_user" and me["roles"] == ["Viewer"]
    assert me["permissions"]["WFO Visualisations"] == ["can_read"]
    assert "WFO Audit Log" not in me["permissions"]
    assert all(actions == ["can_read"] for actions in me["permissions"].values())


def test_cookie_writes_need_our_origin(platform: Platform) -> None:
    cookie = {"Cookie": f"_token={_token(platform, 'admin')}"}
    body = {"url": "https://bi.example.com/cookie"}
    path = "/wfo/api/v1/visualisations"
    assert platform.request("GET", path, headers=cookie).status == 200
    no_origin = platform.request("PUT", path, json_body=body, headers=cookie)
    assert no_origin.status == 403 and "cross-site" in no_origin.json()["detail"]
    evil = platform.request("PUT", path, json_body=body, headers={**cookie, "Origin": "https://evil.example"})
    assert evil.status == 403
    ours = platform.request("PUT", path, json_body=body, headers={**cookie, "Origin": platform.base_url})
    assert ours.status == 200 and ours.json()["url"] == body["url"]
    fetch_meta = platform.request(
        "PUT", path, json_body=body, headers={**cookie, "Sec-Fetch-Site": "same-origin"}
    )
    assert fetch_meta.status == 200


def test_changes_refusals_and_denials_are_audited(platform: Platform) -> None:
    url = "https://bi.example.com/audited"
    platform.api("PUT", "/visualisations", json_body={"url": url}, expected=(200,))
    bad = platform.api("PUT", "/visualisations", json_body={"url": "ftp://files.example.com"})
    assert bad.status == 422 and "http:// or https://" in bad.json()["detail"]
    assert platform.api("GET", "/visualisations").json()["url"] == url  # the refused value changed nothing
    denied = platform.request(
        "PUT", "/wfo/api/v1/visualisations", json_body={"url": url}, token=_token(platform, "dev_user")
    )
    assert denied.status == 403
    # A client-supplied X-Forwarded-For is not believed without a trusted proxy.
    platform.request(
        "PUT",
        "/wfo/api/v1/visualisations",
        json_body={"url": url + "/xff"},
        token=_token(platform, "admin"),
        headers={"X-Forwarded-For": "203.0.113.9"},
        expected=(200,),
    )

    events = platform.api("GET", "/audit/events?limit=10").json()["events"]
    latest = events[0]
    assert latest["action"] == "visualisation.update" and latest["object_id"] == url + "/xff"
    assert latest["source_ip"] == "127.0.0.1"
    outcomes = {(e["user"], e["outcome"]) for e in events}
    assert {("admin", "success"), ("admin", "failure"), ("dev_user", "denied")} <= outcomes
    by_user = platform.api("GET", "/audit/events?user=dev_user").json()
    assert by_user["total"] >= 1 and all(e["user"] == "dev_user" for e in by_user["events"])
    assert "visualisation.update" in platform.api("GET", "/audit/actions").json()["actions"]


def test_openapi_is_served_behind_login(platform: Platform) -> None:
    assert platform.request("GET", "/wfo/openapi.json").status == 401
    schema = platform.request("GET", "/wfo/openapi.json", token=_token(platform, "admin")).json()
    assert "/api/v1/visualisations" in schema["paths"] and schema["servers"] == [{"url": "/wfo"}]


def test_plugin_registers_one_top_level_react_app(platform: Platform) -> None:
    plugins = platform.request("GET", "/api/v2/plugins", token=_token(platform, "admin")).json()["plugins"]
    ours = next(p for p in plugins if p["name"] == "wfo")
    assert [app["url_route"] for app in ours["react_apps"]] == ["wfo"]
    assert ours["react_apps"][0]["nav_top_level"] is True
    bundle = platform.request(
        "GET", ours["react_apps"][0]["bundle_url"], token=_token(platform, "viewer_user")
    )
    assert bundle.status == 200 and b"AirflowPlugin" in bundle.body


def test_instance_home_is_private(platform: Platform) -> None:
    assert stat.S_IMODE(os.stat(platform.home).st_mode) == 0o700
