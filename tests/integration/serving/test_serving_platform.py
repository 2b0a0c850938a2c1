"""Models and datasets on the running platform: the Contract (upload, state, `wfo status --json`, v2 infer
with an Admin's token), the kind's own route, "try it", roles, audit, hostile uploads."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from helpers.models import (
    TABULAR_HANDLER,
    iris,
    mar,
    onnx_classifier,
    pmml_tree,
    torch_linear,
    v2_output,
    v2_request,
)
from helpers.platform_runner import WFO, Platform, Response, role_password, tar_gz

pytestmark = pytest.mark.integration


def _upload(
    platform: Platform, kind: str, name: str, filename: str, data: bytes, user: str = "admin"
) -> Response:
    password = None if user == "admin" else role_password(user)
    return platform.upload(
        "/wfo/api/v1/models", [(filename, data)], field="file", fields={"kind": kind, "name": name}, user=user,
        password=password,
    )  # fmt: skip


def _server_url(platform: Platform) -> str:
    done = subprocess.run([WFO, "status", "--json"], env=platform.env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    components = {c["name"]: c for c in json.loads(done.stdout)["components"]}
    assert components["model-server"]["state"] == "running"
    return str(components["model-server"]["url"])


def _call(url: str, body: Any = None, token: str | None = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=data, headers=headers, method="POST" if data is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _wait_state(
    platform: Platform, name: str, state: str, timeout: float = 10.0
) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    while True:
        detail = platform.api("GET", f"/models/{name}", expected=(200,)).json()
        if detail["state"] == state:
            return detail, time.monotonic() - started
        assert time.monotonic() - started < timeout, detail
        time.sleep(0.2)


def test_contract_onnx_upload_serves_within_10_s_and_v2_infer_equals_sklearn(platform: Platform) -> None:
    model, data = onnx_classifier()
    created = _upload(platform, "onnx", "it-iris", "iris.onnx", data, user="dev_user")
    assert created.status == 201, created.body
    assert created.json()["name"] == "it-iris" and created.json()["version"] == 1
    detail, took = _wait_state(platform, "it-iris", "serving")
    assert took < 10
    url = _server_url(platform)
    assert f"{url}/v2/models/it-iris/infer" in {e["url"] for e in detail["endpoints"]}
    assert "curl" in detail["curl"] and detail["example_protocol"] == "v2"
    features, _ = iris()
    status, answer = _call(f"{url}/v2/models/it-iris/infer", v2_request(features), platform.token())
    assert status == 200, answer
    assert (v2_output(answer, "label") == model.predict(features)).all()
    # The kind's own route (TF-Serving REST for ONNX) answers too.
    status, rows = _call(
        f"{url}/v1/models/it-iris:predict", {"instances": features[:2].tolist()}, platform.token()
    )
    assert status == 200 and [r["label"] for r in rows["predictions"]] == model.predict(features[:2]).tolist()
    # Health is open; inference without a token is not.
    assert _call(f"{url}/v2/health/ready")[0] == 200
    assert _call(f"{url}/v2/models/it-iris/infer", v2_request(features[:1]))[0] == 401
    # "Try it" goes through the API with the caller's own token (a Viewer may read and try).
    tried = platform.api(
        "POST", "/models/it-iris/try", user="viewer_user", password=role_password("viewer_user"),
        json_body={"protocol": "v2", "request": detail["example_request"]},
    )  # fmt: skip
    assert tried.status == 200 and tried.json()["status"] == 200, tried.body
    assert tried.json()["response"]["outputs"][0]["name"] == "label"


def test_api_keys_are_shown_once_and_public_models_need_no_token(platform: Platform) -> None:
    _wait_state(platform, "it-iris", "serving")
    url = _server_url(platform)
    body = v2_request(iris()[0][:1])
    created = platform.api("POST", "/models/it-iris/keys", json_body={"label": "ci"}, expected=(201,)).json()
    assert created["key"].startswith("wfo_mk_")
    detail = platform.api("GET", "/models/it-iris", expected=(200,)).json()
    assert [k["id"] for k in detail["keys"]] == [created["id"]] and "key" not in detail["keys"][0]
    deadline = time.monotonic() + 10
    while _call(f"{url}/v2/models/it-iris/infer", body, created["key"])[0] != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # Only an Admin makes a model public.
    dev = platform.api(
        "PUT",
        "/models/it-iris/public",
        user="dev_user",
        password=role_password("dev_user"),
        json_body={"public": True},
    )
    assert dev.status == 403
    platform.api("PUT", "/models/it-iris/public", json_body={"public": True}, expected=(200,))
    while _call(f"{url}/v2/models/it-iris/infer", body)[0] != 200:
        assert time.monotonic() < deadline + 10
        time.sleep(0.2)
    platform.api("PUT", "/models/it-iris/public", json_body={"public": False}, expected=(200,))


def test_an_airflow_token_opens_models_only_while_its_account_reads_them(platform: Platform) -> None:
    _wait_state(platform, "it-iris", "serving")
    url = f"{_server_url(platform)}/v2/models/it-iris/infer"
    body = v2_request(iris()[0][:1])
    deadline = time.monotonic() + 10  # the test before made the model private again
    while _call(url, body)[0] != 401:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # A valid Airflow token of a role without the models grant is refused.
    public = platform.token("public_user", role_password("public_user"))
    status, answer = _call(url, body, public)
    assert status == 403 and "may not use models" in json.dumps(answer), answer
    # A Viewer reads models; when an Admin takes the role away, the same token stops working.
    platform.create_user("models_leaver", "Viewer", "pw-models-leaver-Secret1")
    token = platform.token("models_leaver", "pw-models-leaver-Secret1")
    assert _call(url, body, token)[0] == 200
    platform.request(
        "PATCH", "/auth/fab/v1/users/models_leaver?update_mask=roles", token=platform.token(),
        json_body={"roles": [{"name": "Public"}]}, expected=(200,),
    )  # fmt: skip
    deadline = time.monotonic() + 20  # the account is re-checked every 10 s
    while (status := _call(url, body, token)[0]) == 200:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert status == 403


def test_pmml_is_served_on_openscoring_routes(platform: Platform) -> None:
    pipeline, frame, data = pmml_tree()
    assert _upload(platform, "pmml", "it-tree", "tree.pmml", data).status == 201
    detail, _took = _wait_state(platform, "it-tree", "serving", timeout=30)
    assert {"pl", "pw"} <= {f["name"] for f in detail["all_versions"][0]["signature"]["inputs"]}
    url = _server_url(platform)
    status, answer = _call(
        f"{url}/openscoring/model/it-tree", {"id": "a", "arguments": dict(frame.iloc[100])}, platform.token()
    )
    assert status == 200 and str(answer["results"]["target"]) == pipeline.predict(frame.iloc[[100]])[0]


def test_a_mar_is_served_on_the_torchserve_route(platform: Platform) -> None:
    import torch

    assert (
        _upload(
            platform, "pytorch", "it-tabular", "tabular.mar", mar(TABULAR_HANDLER), user="dev_user"
        ).status
        == 201
    )
    _wait_state(platform, "it-tabular", "serving", timeout=30)
    rows = iris()[0][:3].tolist()
    status, answer = _call(
        f"{_server_url(platform)}/predictions/it-tabular", {"data": rows}, platform.token()
    )
    assert status == 200, answer
    assert torch.allclose(torch.tensor(answer), torch_linear()(torch.tensor(rows)), rtol=1e-5)


def test_versions_restore_delete_and_audit(platform: Platform) -> None:
    first = b"a,b\n1,2\n"
    assert _upload(platform, "dataset", "it-data", "data.csv", first).json()["version"] == 1
    assert _upload(platform, "dataset", "it-data", "data.csv", b"a,b\n3,4\n").json()["version"] == 2
    detail = platform.api("GET", "/models/it-data", expected=(200,)).json()
    assert detail["state"] == "stored" and [v["version"] for v in detail["all_versions"]] == [2, 1]
    assert detail["all_versions"][1]["sha256"] and detail["all_versions"][1]["uploaded_by"] == "admin"
    got = platform.api("GET", "/models/it-data/download?version=1", expected=(200,))
    assert got.body == first
    restored = platform.api(
        "POST", "/models/it-data/restore", json_body={"version": 1}, expected=(200,)
    ).json()
    assert restored["version"] == 3
    assert platform.api("GET", "/models/it-data/download", expected=(200,)).body == first
    platform.api("DELETE", "/models/it-data/versions/3", expected=(204,))
    assert platform.api("GET", "/models/it-data", expected=(200,)).json()["latest"] == 2
    # Readers read, only Developer/Admin change.
    viewer = role_password("viewer_user")
    assert platform.api("GET", "/models", user="viewer_user", password=viewer).status == 200
    assert platform.api("DELETE", "/models/it-data", user="viewer_user", password=viewer).status == 403
    platform.api("DELETE", "/models/it-data", expected=(204,))
    assert platform.api("GET", "/models/it-data").status == 404
    events = platform.api("GET", "/audit/events?limit=100", expected=(200,)).json()["events"]
    actions = {(e["action"], e["object_id"]) for e in events}
    assert {("model.upload", "it-data"), ("model.restore", "it-data"), ("model.delete", "it-data")} <= actions


def test_hostile_archive_and_wrong_kind_are_refused_with_nothing_stored(platform: Platform) -> None:
    hostile = tar_gz({"model/saved_model.pb": b"x"}, links={"model/evil": "/etc/passwd"})
    refused = _upload(platform, "tensorflow", "it-hostile", "m.tar.gz", hostile)
    assert refused.status == 422, refused.body
    assert platform.api("GET", "/models/it-hostile").status == 404
    assert _upload(platform, "onnx", "it-fake", "m.onnx", b"not onnx").status == 422
    assert _upload(platform, "nope", "it-fake", "m.onnx", b"x").status == 422
    assert platform.api("GET", "/models/it-fake").status == 404
    bad_name = _upload(platform, "dataset", "a:b", "x.csv", b"x")
    assert bad_name.status == 422 and "not allowed" in bad_name.body.decode()


def test_deleting_a_model_stops_serving_it(platform: Platform) -> None:
    url = _server_url(platform)
    platform.api("DELETE", "/models/it-iris", expected=(204,))
    deadline = time.monotonic() + 10
    while _call(f"{url}/v2/models/it-iris/infer", v2_request(iris()[0][:1]), platform.token())[0] != 404:
        assert time.monotonic() < deadline
        time.sleep(0.2)
