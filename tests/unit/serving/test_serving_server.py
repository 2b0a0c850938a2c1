"""The model server on a local object store: hot load, version switch, failed loads, access, bad input.

One server (registry + app, in process) for the module; the repository writes the store as the api-server
does, and the server sees it only through its polling, as a replica would.
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from wfo.repositories.errors import NotFoundError
from wfo.repositories.model_files import InvalidModelError
from wfo.repositories.models import CorruptManifestError, KindConflictError, ModelRepository
from wfo.serving.app import create_app
from wfo.serving.registry import Registry
from wfo.storage.errors import ExtensionNotAllowedError
from wfo.storage.limits import MiB
from wfo.storage.objectstore import ObjectStore

from helpers.models import (
    EXAMPLE_WEIGHTS,
    TABULAR_HANDLER,
    example_signatures_savedmodel,
    iris,
    keras_savedmodel,
    mar,
    onnx_classifier,
    onnx_regressor,
    pmml_tree,
    torch_linear,
    v2_output,
    v2_request,
    with_handler,
)

BODY_LIMIT = 1 * MiB


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> ModelRepository:
    root = tmp_path_factory.mktemp("store")
    return ModelRepository(ObjectStore(f"file://{root}"), lock_dir=root.parent / "locks")


@pytest.fixture(scope="module")
def registry(repo: ModelRepository, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = Registry(repo.store, tmp_path_factory.mktemp("cache"), poll_seconds=0.2)
    registry.start()
    yield registry
    registry.stop()


@pytest.fixture(scope="module")
def client(registry: Registry) -> Iterator[TestClient]:
    # One event loop for every request (as in the server): requests from several threads share it.
    with TestClient(create_app(registry, max_request_bytes=BODY_LIMIT)) as test_client:
        yield test_client


def _upload(repo: ModelRepository, kind: str, name: str, filename: str, data: bytes) -> int:
    return repo.upload(kind, name, filename, io.BytesIO(data), "tester").version


def _wait(
    registry: Registry, name: str, version: int, state: str = "serving", timeout: float = 10.0
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        served = registry.models.get(name)
        if served is not None and served.wanted == version and served.state == state:
            if state != "serving" or served.version == version:
                return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{name} v{version} not {state} after {timeout} s: {registry.states()}")


def _key(repo: ModelRepository, name: str) -> dict[str, str]:
    _record, key = repo.create_key(name, "test", "tester")
    return {"Authorization": f"Bearer {key}"}


def _access_seen(registry: Registry, name: str, count: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        access = registry.access.get(name)
        if access is not None and len(access.keys) == count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server did not see {count} keys of {name}")


def test_an_onnx_model_serves_within_seconds_and_equals_sklearn(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    model, data = onnx_classifier()
    version = _upload(repo, "onnx", "iris", "iris.onnx", data)
    took = _wait(registry, "iris", version)
    assert took < 10
    headers = _key(repo, "iris")
    _access_seen(registry, "iris", 1)
    features, _ = iris()
    answer = client.post("/v2/models/iris/infer", json=v2_request(features), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["model_version"] == "1"
    assert (v2_output(answer.json(), "label") == model.predict(features)).all()
    np.testing.assert_allclose(
        v2_output(answer.json(), "probabilities"), model.predict_proba(features), rtol=1e-4
    )
    meta = client.get("/v2/models/iris", headers=headers).json()
    assert meta["inputs"] == [{"name": "X", "datatype": "FP32", "shape": [-1, 4]}]
    # TF-Serving's row format on the same model.
    rows = client.post("/v1/models/iris:predict", json={"instances": features[:3].tolist()}, headers=headers)
    assert [p["label"] for p in rows.json()["predictions"]] == model.predict(features[:3]).tolist()
    # The detected signature is kept with the version.
    assert repo.get("iris").current.signature["outputs"][0]["name"] == "label"


def test_health_is_open_and_everything_else_needs_a_token_or_key(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    _wait(registry, "iris", repo.get("iris").latest)
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get("/ping").json() == {"status": "Healthy"}
    body = v2_request(iris()[0][:1])
    assert client.post("/v2/models/iris/infer", json=body).status_code == 401
    wrong = {"Authorization": "Bearer wfo_mk_000000000000.not-the-key"}
    assert client.post("/v2/models/iris/infer", json=body, headers=wrong).status_code == 401
    assert (
        client.post("/v2/models/iris/infer", json=body, headers={"Authorization": "Bearer x.y.z"}).status_code
        == 401
    )
    # A key opens only its own model, and nothing that spans models.
    _upload(repo, "onnx", "other-model", "m.onnx", onnx_regressor()[1])
    _wait(registry, "other-model", 1)
    other_key = _key(repo, "other-model")
    _access_seen(registry, "other-model", 1)
    assert client.post("/v2/models/iris/infer", json=body, headers=other_key).status_code == 401
    assert client.get("/wfo/models", headers=other_key).status_code == 403
    # Keys are stored as digests only.
    raw = repo.store.get_bytes("models/other-model/access.json").decode()
    assert other_key["Authorization"].split()[1] not in raw
    # Public: no token needed; made private again, the token is needed again.
    repo.set_public("iris", True)
    deadline = time.monotonic() + 5
    while client.post("/v2/models/iris/infer", json=body).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    repo.set_public("iris", False)
    while client.post("/v2/models/iris/infer", json=body).status_code != 401:
        assert time.monotonic() < deadline + 5
        time.sleep(0.05)
    # A deleted key stops working.
    key_id = repo.access("other-model").keys[0].id
    repo.delete_key("other-model", key_id)
    _access_seen(registry, "other-model", 0)
    assert client.get("/v2/models/other-model", headers=other_key).status_code == 401


def _make_public(repo: ModelRepository, registry: Registry, name: str) -> None:
    """Mark the model public and wait until the server serves its latest version and knows it is public."""
    repo.set_public(name, True)
    _wait(registry, name, repo.get(name).latest)
    deadline = time.monotonic() + 5
    while not registry.access[name].public:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 422, "not JSON"),
        (b"[]", 422, "non-empty list `inputs`"),
        (b'{"inputs": [{"name": "X", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3, 4]}]}', 422, "needs 3"),
        (b'{"inputs": [{"name": "X", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}', 422, "refused"),
        (b'{"inputs": [{"name": "Y", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}', 422, "missing"),
        (b'{"inputs": [{"name": "X", "shape": [1, 4], "datatype": "FP32", "data": ["a", 2, 3, 4]}]}', 422, "FP32"),
        (b'{"inputs": [{"name": "X", "shape": [1, 4], "datatype": "NOPE", "data": [1, 2, 3, 4]}]}', 422, "datatype"),
        (b'{"inputs": [{"name": "X", "shape": [-1, 4], "datatype": "FP32", "data": [1]}]}', 422, "shape"),
        (b'{"inputs": [{"name": "X"}]}', 422, "shape"),
        (b'{"inputs": [{"name": "X", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}],'
         b' "outputs": [{"name": "nope"}]}', 422, "unknown outputs"),
    ],
)  # fmt: skip
def test_bad_input_is_a_4xx_with_a_reason_and_the_server_keeps_serving(
    repo: ModelRepository, registry: Registry, client: TestClient, body: bytes, status: int, message: str
) -> None:
    _make_public(repo, registry, "iris")
    answer = client.post("/v2/models/iris/infer", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert message in str(answer.json()["detail"])
    assert client.post("/v2/models/iris/infer", json=v2_request(iris()[0][:1])).status_code == 200


def test_a_body_above_the_limit_is_refused(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    big = b"[" + b"1," * BODY_LIMIT + b"1]"
    answer = client.post("/v2/models/iris/infer", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "limit" in answer.json()["detail"]
    # Sent in chunks, with no length announced: refused while it streams in, on the route's fast path.
    _make_public(repo, registry, "iris")
    chunked = client.post("/v2/models/iris/infer", content=iter([big[:1000], big[1000:]]))
    assert chunked.status_code == 413 and "limit" in chunked.json()["detail"]
    assert client.get("/v2/models/iris/infer").status_code == 405


def test_a_new_version_switches_without_a_gap_and_restore_goes_back(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    features, _ = iris()
    _upload(repo, "onnx", "switch", "s.onnx", onnx_classifier()[1])
    _wait(registry, "switch", 1)
    repo.set_public("switch", True)
    statuses: list[int] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            answer = client.post("/v2/models/switch/infer", json=v2_request(features[:1, :4]))
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                versions.add(answer.json()["model_version"])

    deadline = time.monotonic() + 5
    while not (registry.access.get("switch") and registry.access["switch"].public):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        time.sleep(0.2)
        # Version 2 is another model with another input: requests for version 1's input start failing
        # only once version 2 serves (a 4xx from the new model, never a 5xx or a gap).
        regressor, data = onnx_regressor()
        _upload(repo, "onnx", "switch", "s.onnx", data)
        took = _wait(registry, "switch", 2)
        time.sleep(0.2)
    finally:
        stop.set()
        worker.join()
    assert took < 10
    assert "1" in versions and all(s in (200, 422) for s in statuses), set(statuses)
    answer = client.post("/v2/models/switch/infer", json=v2_request(features[:5, :3]))
    np.testing.assert_allclose(
        v2_output(answer.json(), "variable").ravel(), regressor.predict(features[:5, :3]), rtol=1e-4
    )
    # An older version stays reachable by number.
    old = client.post("/v2/models/switch/versions/1/infer", json=v2_request(features[:2]))
    assert old.status_code == 200 and old.json()["model_version"] == "1"
    # Restore: version 1's content as version 3.
    assert repo.restore("switch", 1, "tester").version == 3
    _wait(registry, "switch", 3)
    again = client.post("/v2/models/switch/infer", json=v2_request(features[:2]))
    assert again.status_code == 200 and again.json()["model_version"] == "3"


def test_a_model_that_fails_to_load_is_marked_failed_and_disturbs_no_other(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    # Well-formed PMML with a model element JPMML does not know: passes the upload check, fails the load.
    broken = (
        b'<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary numberOfFields="1">'
        b'<DataField name="x" optype="continuous" dataType="double"/></DataDictionary>'
        b'<NoSuchModel functionName="regression"><MiningSchema><MiningField name="x"/></MiningSchema></NoSuchModel></PMML>'
    )
    _upload(repo, "pmml", "broken", "broken.pmml", broken)
    _wait(registry, "broken", 1, state="failed", timeout=30)
    state = registry.states()["broken"]
    assert state["error"] and state["version"] is None
    key = _key(repo, "broken")
    _access_seen(registry, "broken", 1)
    answer = client.post("/openscoring/model/broken", json={"arguments": {"x": 1}}, headers=key)
    assert answer.status_code == 503 and "failed to load" in answer.json()["detail"]
    # The others still answer.
    assert client.post("/v2/models/iris/infer", json=v2_request(iris()[0][:1])).status_code == 200


def test_pmml_openscoring_equals_the_source_model_one_record_and_csv(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    pipeline, frame, data = pmml_tree()
    _upload(repo, "pmml", "iris-tree", "iris.pmml", data)
    _wait(registry, "iris-tree", 1, timeout=30)
    key = _key(repo, "iris-tree")
    _access_seen(registry, "iris-tree", 1)
    described = client.get("/openscoring/model/iris-tree", headers=key).json()
    assert [f["name"] for f in described["schema"]["targetFields"]] == ["target"]
    assert described["miningFunction"] == "classification" and described["summary"] == "TreeModel"
    expected = pipeline.predict(frame)
    one = client.post(
        "/openscoring/model/iris-tree", json={"id": "r0", "arguments": dict(frame.iloc[60])}, headers=key
    )
    assert one.status_code == 200, one.text
    assert one.json()["id"] == "r0" and str(one.json()["results"]["target"]) == expected[60]
    csv_body = frame.assign(Id=range(len(frame))).to_csv(index=False)
    batch = client.post(
        "/openscoring/model/iris-tree/csv", content=csv_body, headers={**key, "Content-Type": "text/csv"}
    )
    assert batch.status_code == 200, batch.text
    lines = batch.text.strip().split("\n")
    header = lines[0].split(",")
    assert header[0] == "Id" and "target" in header
    targets = [line.split(",")[header.index("target")] for line in lines[1:]]
    assert targets == list(expected)
    # The v2 route on the same model.
    v2 = {
        "inputs": [
            {"name": c, "shape": [3], "datatype": "FP64", "data": frame[c][:3].tolist()} for c in ("pl", "pw")
        ]
    }
    answer = client.post("/v2/models/iris-tree/infer", json=v2, headers=key)
    assert [str(int(v)) for v in v2_output(answer.json(), "target")] == list(expected[:3])


def test_deleting_stops_serving(repo: ModelRepository, registry: Registry, client: TestClient) -> None:
    _upload(repo, "onnx", "short-lived", "x.onnx", onnx_regressor()[1])
    _wait(registry, "short-lived", 1)
    repo.delete("short-lived")
    deadline = time.monotonic() + 10
    while "short-lived" in registry.models:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    token = {"Authorization": "Bearer x"}
    assert client.get("/v2/models/short-lived/ready", headers=token).status_code in (401, 404)


def test_a_manifest_that_cannot_be_read_stops_nothing_and_serves_once_repaired(
    repo: ModelRepository, registry: Registry
) -> None:
    # A manifest written by hand (or cut short by a broken copy): the poll logs it and keeps going.
    repo.store.put_bytes("models/half/manifest.json", b'{"name": "half", "kind": "onnx", "lat')
    time.sleep(1.0)
    assert "half" not in registry.models
    with pytest.raises(CorruptManifestError, match="cannot be read"):
        repo.get("half")
    # Repaired (here: the manifest and file of a good upload copied in), it is served.
    _upload(repo, "onnx", "whole", "h.onnx", onnx_regressor()[1])
    repo.store.put_bytes("models/half/v1/h.onnx", repo.store.get_bytes("models/whole/v1/h.onnx"))
    manifest = repo.store.get_bytes("models/whole/manifest.json").replace(b'"whole"', b'"half"')
    repo.store.put_bytes("models/half/manifest.json", manifest)
    _wait(registry, "half", 1)


def _tar(members: dict[str, bytes], link: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo(link[0])
            info.type, info.linkname = tarfile.SYMTYPE, link[1]
            archive.addfile(info)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "filename", "data", "error"),
    [
        ("other", "evil.tar.gz", _tar({"../escape.txt": b"x"}), InvalidModelError),
        ("other", "link.tar.gz", _tar({"a.txt": b"x"}, link=("passwd", "/etc/passwd")), InvalidModelError),
        ("tensorflow", "empty.tar.gz", _tar({"readme.txt": b"no saved model"}), InvalidModelError),
        ("onnx", "fake.onnx", b"not a model", InvalidModelError),
        ("pmml", "bomb.pmml", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><PMML>&a;</PMML>', InvalidModelError),
        ("pytorch", "no-manifest.mar", b"PK\x05\x06" + b"\x00" * 18, InvalidModelError),
        ("onnx", "model.exe", b"x", ExtensionNotAllowedError),
    ],
)
def test_hostile_or_wrong_files_are_refused_and_nothing_is_stored(
    repo: ModelRepository, kind: str, filename: str, data: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        _upload(repo, kind, "refused", filename, data)
    with pytest.raises(NotFoundError):
        repo.get("refused")
    assert not repo.store.list("models/refused")


def test_versions_datasets_and_names(repo: ModelRepository, tmp_path: Path) -> None:
    assert _upload(repo, "dataset", "sales", "sales.csv", b"day,amount\n1,2\n") == 1
    assert repo.get("sales").current.signature == {"columns": ["day", "amount"]}
    # The same bytes again: no new version.
    assert repo.upload("dataset", "sales", "sales.csv", io.BytesIO(b"day,amount\n1,2\n"), "t").unchanged
    assert _upload(repo, "dataset", "sales", "sales.csv", b"day,amount\n3,4\n") == 2
    with pytest.raises(KindConflictError):
        _upload(repo, "onnx", "sales", "m.onnx", onnx_regressor()[1])
    from wfo.repositories.models import fetch_model

    assert fetch_model("sales", tmp_path, store=repo.store).read_bytes() == b"day,amount\n3,4\n"
    assert fetch_model("sales", tmp_path / "v1", 1, store=repo.store).read_bytes() == b"day,amount\n1,2\n"
    repo.delete_version("sales", 2)
    assert repo.get("sales").latest == 1
    repo.delete_version("sales", 1)
    with pytest.raises(NotFoundError):
        repo.get("sales")
    for bad in ("../x", "a b", "x:predict", "", "-x"):
        with pytest.raises(Exception, match="not allowed|unsafe|empty"):
            _upload(repo, "dataset", bad, "f.csv", b"x")


def test_torchserve_mar_with_a_custom_handler_equals_the_model(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    import torch

    _upload(repo, "pytorch", "tabular", "tabular.mar", mar(TABULAR_HANDLER))
    _wait(registry, "tabular", 1, timeout=30)
    key = _key(repo, "tabular")
    _access_seen(registry, "tabular", 1)
    rows = iris()[0][:5].tolist()
    expected = torch_linear()(torch.tensor(rows)).tolist()
    answer = client.post("/predictions/tabular", json={"data": rows}, headers=key)
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(answer.json(), expected, rtol=1e-5)
    assert client.post("/predictions/tabular/1", json={"data": rows}, headers=key).status_code == 200
    described = client.get("/models/tabular", headers=key).json()
    assert described[0]["modelName"] == "tabular" and described[0]["handler"] == "handler.py"
    # The handler's failure on a bad body is the request's (4xx), and the model keeps serving.
    bad = client.post("/predictions/tabular", json={"nope": 1}, headers=key)
    assert bad.status_code == 422 and "handler failed" in bad.json()["detail"]
    assert client.post("/predictions/tabular", json={"data": rows}, headers=key).status_code == 200


def test_torchserve_built_in_handler_by_name(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    import torch

    _upload(
        repo,
        "pytorch",
        "builtin",
        "builtin.mar",
        with_handler(mar("base_handler", name="builtin"), "densenet_handler"),
    )
    _wait(registry, "builtin", 1, timeout=30)
    key = _key(repo, "builtin")
    _access_seen(registry, "builtin", 1)
    row = torch.tensor(iris()[0][7].tolist())  # one row; the handler stacks the batch
    buffer = io.BytesIO()
    torch.save(row, buffer)
    answer = client.post(
        "/predictions/builtin",
        content=buffer.getvalue(),
        headers={**key, "Content-Type": "application/octet-stream"},
    )
    assert answer.status_code == 200, answer.text
    np.testing.assert_allclose(
        np.asarray(answer.json()).reshape(-1),
        torch_linear()(row.unsqueeze(0)).reshape(-1).tolist(),
        rtol=1e-5,
    )
    # A built-in handler whose libraries are not installed fails to load, with the reason, alone.
    _upload(repo, "pytorch", "vision", "vision.mar", mar("image_classifier", name="vision"))
    _wait(registry, "vision", 1, state="failed", timeout=30)
    assert "torchvision" in str(registry.states()["vision"]["error"])
    assert client.post("/predictions/builtin", content=buffer.getvalue(), headers=key).status_code == 200


def test_tensorflow_savedmodel_on_tf_serving_routes_equals_keras(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    model, data = keras_savedmodel()
    _upload(repo, "tensorflow", "keras", "keras.tar.gz", data)
    assert repo.get("keras").current.signature == {"saved_model": "saved"}
    _wait(registry, "keras", 1, timeout=60)
    key = _key(repo, "keras")
    _access_seen(registry, "keras", 1)
    rows = iris()[0][:4]
    expected = model(rows).numpy()
    status = client.get("/v1/models/keras", headers=key).json()
    assert status["model_version_status"][0]["state"] == "AVAILABLE"
    signature = client.get("/v1/models/keras/metadata", headers=key).json()["metadata"]["signature_def"]
    (input_name,) = signature["signature_def"]["serving_default"]["inputs"]
    # Row format, columnar format, a version's route, and the v2 route: all equal model(x).
    row = client.post("/v1/models/keras:predict", json={"instances": rows.tolist()}, headers=key)
    assert row.status_code == 200, row.text
    np.testing.assert_allclose(row.json()["predictions"], expected, rtol=1e-5)
    columnar = client.post(
        "/v1/models/keras/versions/1:predict", json={"inputs": {input_name: rows.tolist()}}, headers=key
    )
    np.testing.assert_allclose(columnar.json()["outputs"], expected, rtol=1e-5)
    v2 = client.post("/v2/models/keras/infer", json=v2_request(rows, name=input_name), headers=key)
    np.testing.assert_allclose(v2_output(v2.json(), "output_0"), expected, rtol=1e-5)
    # A Keras export has no tf.Example signature: :classify is refused with the reason; bad rows are a 4xx.
    classify = client.post("/v1/models/keras:classify", json={"instances": rows.tolist()}, headers=key)
    assert classify.status_code == 422 and ":predict" in classify.json()["detail"]
    bad = client.post("/v1/models/keras:predict", json={"instances": [[1, 2]]}, headers=key)
    assert bad.status_code == 422


SLOW_HANDLER = '''
import time


def handle(data, context):
    """A module-function handler (TorchServe's other entry point): sleeps as long as the body asks."""
    if data is None:  # TorchServe calls it once with no data to initialise
        return None
    body = data[0].get("body")
    time.sleep(body["sleep"])
    return [{"slept": body["sleep"]}]
'''


def test_a_slow_handler_runs_off_the_event_loop(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    _upload(repo, "pytorch", "slow", "slow.mar", mar(SLOW_HANDLER, name="slow"))
    _wait(registry, "slow", 1, timeout=30)
    repo.set_public("slow", True)
    deadline = time.monotonic() + 5
    while not (registry.access.get("slow") and registry.access["slow"].public):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for _ in range(4):  # the moving average of the handler's time passes the inline threshold
        assert client.post("/predictions/slow", json={"sleep": 0.05}).json() == {"slept": 0.05}
    finished: dict[str, float] = {}

    def slow_request() -> None:
        client.post("/predictions/slow", json={"sleep": 1.0})
        finished["slow"] = time.monotonic()

    worker = threading.Thread(target=slow_request)
    worker.start()
    time.sleep(0.2)
    assert client.get("/ping").status_code == 200
    finished["ping"] = time.monotonic()
    worker.join()
    assert finished["ping"] < finished["slow"]


def test_tf_serving_classify_and_regress_on_an_example_signature_model(
    repo: ModelRepository, registry: Registry, client: TestClient
) -> None:
    _upload(repo, "tensorflow", "estimator", "estimator.tar.gz", example_signatures_savedmodel())
    _wait(registry, "estimator", 1, timeout=60)
    key = _key(repo, "estimator")
    _access_seen(registry, "estimator", 1)
    rows = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]])
    logits = rows @ np.array(EXAMPLE_WEIGHTS)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # `context` is merged into each example, as TF-Serving does (here it carries nothing the model reads).
    body = {"context": {"source": "unit"}, "examples": [{"x": row.tolist()} for row in rows]}
    classify = client.post("/v1/models/estimator:classify", json=body, headers=key)
    assert classify.status_code == 200, classify.text
    results = classify.json()["results"]
    assert [[label for label, _ in row] for row in results] == [["no", "yes"]] * 3
    np.testing.assert_allclose([[score for _, score in row] for row in results], expected, rtol=1e-5)
    regress = client.post(
        "/v1/models/estimator/versions/1:regress", json={**body, "signature_name": "regression"}, headers=key
    )
    assert regress.status_code == 200, regress.text
    np.testing.assert_allclose(regress.json()["results"], rows @ np.array([2.0, 3.0]), rtol=1e-5)
    # A feature of the wrong kind, no examples, or an unknown signature: 422 with the reason.
    wrong = client.post("/v1/models/estimator:classify", json={"examples": [{"x": ["a", "b"]}]}, headers=key)
    assert wrong.status_code == 422 and "refused the examples" in wrong.json()["detail"]
    empty = client.post("/v1/models/estimator:regress", json={"examples": []}, headers=key)
    assert empty.status_code == 422 and "`examples`" in empty.json()["detail"]
    unknown = client.post(
        "/v1/models/estimator:regress", json={**body, "signature_name": "nope"}, headers=key
    )
    assert unknown.status_code == 422 and "regression" in unknown.json()["detail"]
    # The metadata route lists every signature as the SavedModel defines it, as TF-Serving does.
    meta = client.get("/v1/models/estimator/metadata", headers=key).json()["metadata"]["signature_def"]
    methods = {name: d["method_name"] for name, d in meta["signature_def"].items()}
    assert methods["regression"] == "tensorflow/serving/regress"
    assert "tensorflow/serving/classify" in methods.values()
    assert not [name for name in methods if name.startswith("__")]
    assert meta["signature_def"]["regression"]["inputs"]["inputs"]["dtype"] == "DT_STRING"
