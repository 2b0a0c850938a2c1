"""TensorflowOperator / CoutureTensorflowOperator on the session platform, and the Runtime section of
config groups they read (API permissions, validation, export/import, clone).

The "TensorFlow environment" is a real separate virtualenv created here (without TensorFlow: the
example artifacts fall back to plain Python), configured through the API as a group's environment.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tarfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers.platform_runner import Platform, Response, multipart, role_password

pytestmark = pytest.mark.integration
TIMEOUT = 300.0
EXAMPLES_INPUT = Path(__file__).resolve().parents[3] / "src" / "wfo" / "examples" / "data"


def _call(platform: Platform, method: str, path: str, user: str = "admin", **kwargs: Any) -> Response:
    password = None if user == "admin" else role_password(user)
    return platform.api(method, path, user=user, password=password, **kwargs)


def _ratings() -> list[int]:
    with open(EXAMPLES_INPUT / "ratings.csv", newline="") as handle:
        return [int(row["rating"]) for row in csv.DictReader(handle)]


def _new_group(platform: Platform, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    _call(platform, "POST", "/config-groups", json_body={"name": name}, expected=(201,))
    return name


@pytest.fixture(scope="module")
def tf_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tf-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    return root


def test_example_tensorflow_runs_with_the_platform_python(platform: Platform) -> None:
    out = platform.home / "examples-data" / "output" / "tensorflow"
    for name in ("feature_validation.json", "rating_histogram.json"):
        (out / name).unlink(missing_ok=True)
    run_id = platform.trigger("ExampleTensorflow")
    assert platform.wait_for_run("ExampleTensorflow", run_id, timeout=TIMEOUT) == "success"
    ratings = _ratings()
    validation = json.loads((out / "feature_validation.json").read_text())
    assert (validation["rows"], validation["valid"]) == (len(ratings), len(ratings))
    histogram = json.loads((out / "rating_histogram.json").read_text())
    assert histogram["histogram"] == {str(v): Counter(ratings).get(v, 0) for v in range(6)}
    assert (histogram["method_id"], histogram["dag_id"]) == ("Rating_Histogram", "ExampleTensorflow")
    # The default group names no environment: wfo's own interpreter (this venv).
    assert validation["prefix"] == histogram["prefix"] == sys.prefix
    assert "ratings are valid" in platform.task_log("ExampleTensorflow", run_id, "FeatureValidation")


VENV_DAG = """
from airflow.sdk import DAG
from wfo.operators import CoutureTensorflowOperator, TensorflowOperator

with DAG("wfo_test_tensorflow_venv", schedule=None, catchup=False) as dag:
    validate = TensorflowOperator(
        task_id="validate",
        code_artifact="FeatureValidation.py",
        application_arguments=(
            "--input INPUT/ratings.csv --report 'OUTPUT/feature validation.json' "
            "--min-rating {{ dag_run.conf.get('min_rating', 1) }}"
        ),
        python="tf",
        config_group=GROUP,
    )
    histogram = CoutureTensorflowOperator(
        task_id="histogram",
        method_id="Rating_Histogram",
        code_artifact="RatingHistogram.py",
        config_group=GROUP,
        input_base_dir_path="INPUT/",
        output_base_dir_path="OUTPUT/",
        input_filenames_dict={"ratings": "ratings.csv"},
        output_filenames_dict={"histogram": "histogram.json"},
    )
    validate >> histogram
"""


def test_tasks_run_in_the_groups_python_environment(
    platform: Platform, tf_venv: Path, tmp_path: Path
) -> None:
    group = _new_group(platform, "tf")
    interpreter = str(tf_venv / "bin" / "python")
    # Developers may change the runtime section (interpreter paths are code); the task reads it from
    # the group's published snapshot.
    _call(
        platform,
        "PUT",
        f"/config-groups/{group}/runtime",
        user="dev_user",
        json_body={"python_environments": {"tf": interpreter}, "default_python": "tf"},
        expected=(200,),
    )
    dag = (
        VENV_DAG.replace("GROUP", repr(group))
        .replace("INPUT", str(platform.home / "examples-data" / "input"))
        .replace("OUTPUT", str(tmp_path))
    )
    platform.deploy_dag("wfo_test_tensorflow_venv.py", dag)
    run_id = platform.trigger("wfo_test_tensorflow_venv")
    assert platform.wait_for_run("wfo_test_tensorflow_venv", run_id, timeout=TIMEOUT) == "success"

    validation = json.loads((tmp_path / "feature validation.json").read_text())
    histogram = json.loads((tmp_path / "histogram.json").read_text())
    # `python="tf"` and (for the second task) the group's default_python: both the test's venv.
    assert (validation["python"], validation["prefix"]) == (interpreter, str(tf_venv))
    assert (histogram["python"], histogram["prefix"]) == (interpreter, str(tf_venv))
    assert histogram["histogram"] == {str(v): Counter(_ratings()).get(v, 0) for v in range(6)}
    # wfo is not installed in that venv: `from wfo.task import run_method` came from the shipped copy.
    assert "wfo-task-shim" in histogram["wfo_task"]
    log = platform.task_log("wfo_test_tensorflow_venv", run_id, "validate")
    assert f"Python interpreter {interpreter}" in log and "ratings are valid" in log

    # The artifact exits with an error: the task fails, the artifact's message is in its log.
    run_id = platform.trigger("wfo_test_tensorflow_venv", {"min_rating": 2})
    assert platform.wait_for_run("wfo_test_tensorflow_venv", run_id, timeout=TIMEOUT) == "failed"
    log = platform.task_log("wfo_test_tensorflow_venv", run_id, "validate")
    assert "rating(s) outside 2..5" in log and "exited with code 1" in log


# --- the Runtime section through the API ------------------------------------------------------------


def test_runtime_section_permissions_and_validation(platform: Platform, tf_venv: Path) -> None:
    group = _new_group(platform, "rt")
    path = f"/config-groups/{group}/runtime"
    shown = _call(platform, "GET", path, user="viewer_user", expected=(200,)).json()
    assert shown["dask"]["mode"] == "local" and shown["dask"]["local_workers"] == 2
    assert shown["python_environments"] == {} and shown["default_python"] is None

    wanted = {"python_environments": {"tf": str(tf_venv / "bin" / "python")}}
    # Op edits cluster settings but not code settings: refused, with the reason.
    refused = _call(platform, "PUT", path, user="op_user", json_body=wanted)
    assert refused.status == 403 and "WFO Cluster Code Settings" in refused.body.decode()
    bad = _call(
        platform,
        "PUT",
        path,
        user="dev_user",
        json_body={"python_environments": {"tf": "envs/tf/bin/python"}, "dask": {"local_workers": 3}},
    )
    # The body is validated by the section's model: FastAPI's list of errors, each with the setting's loc.
    [refusal] = bad.json()["detail"]
    assert bad.status == 422 and refusal["loc"] == ["body", "python_environments", "tf"]
    assert refusal["msg"].startswith("must be an absolute interpreter path (like /opt/envs/tf/bin/python)")
    bad = _call(platform, "PUT", path, user="dev_user", json_body={"dask": {"scheduler_address": "h:8786"}})
    assert bad.status == 422 and "tcp://host:8786" in bad.json()["detail"][0]["msg"]
    # Nothing of the refused changes was stored.
    assert _call(platform, "GET", path, expected=(200,)).json() == shown

    saved = _call(
        platform,
        "PUT",
        path,
        user="dev_user",
        json_body={
            **wanted,
            "dask": {"mode": "scheduler", "scheduler_address": "tcp://dask.example.com:8786"},
        },
        expected=(200,),
    ).json()
    assert saved["python_environments"] == wanted["python_environments"]
    assert saved["dask"]["scheduler_address"] == "tcp://dask.example.com:8786"
    assert _call(platform, "GET", path, user="plain_user", expected=(200,)).json() == saved
    # A clone keeps the section.
    clone = f"{group}-copy"
    _call(platform, "POST", f"/config-groups/{group}/clone", json_body={"name": clone}, expected=(201,))
    assert _call(platform, "GET", f"/config-groups/{clone}/runtime", expected=(200,)).json() == saved


def _only_group(archive: bytes, group: str, change: dict[str, Any]) -> bytes:
    """The export reduced to `group`, with its runtime section updated by `change`."""
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as source,
        tarfile.open(fileobj=out, mode="w:gz") as target,
    ):
        for member in source.getmembers():
            if not member.isfile():
                continue
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "configs/manifest.json":
                data = json.dumps({**json.loads(data), "default": None}).encode()
            elif not member.name.startswith(f"configs/{group}/"):
                continue
            elif member.name.endswith("group.json"):
                document = json.loads(data)
                document["runtime"]["dask"].update(change)
                data = json.dumps(document).encode()
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime = len(data), int(time.time())
            target.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_runtime_section_is_exported_and_imported(platform: Platform) -> None:
    group = _new_group(platform, "rtx")
    _call(
        platform,
        "PUT",
        f"/config-groups/{group}/runtime",
        json_body={"dask": {"local_workers": 3}, "python_environments": {"py": sys.executable}},
        expected=(200,),
    )
    archive = platform.request("GET", "/api/configs/", token=platform.token(), expected=(200,)).body
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        document = json.loads(tar.extractfile(f"configs/{group}/group.json").read())  # type: ignore[union-attr]
    assert document["runtime"]["dask"]["local_workers"] == 3
    assert document["runtime"]["python_environments"] == {"py": sys.executable}

    changed = _only_group(archive, group, {"local_workers": 5})
    body, content_type = multipart([("configs.tar.gz", changed)], field="sources")
    report = platform.request(
        "POST", "/api/configs/", data=body, token=platform.token(), headers={"Content-Type": content_type}
    )
    assert report.status == 200, report.body
    assert group in report.json()["updated"]
    runtime = _call(platform, "GET", f"/config-groups/{group}/runtime", expected=(200,)).json()
    assert runtime["dask"]["local_workers"] == 5
    assert runtime["python_environments"] == {"py": sys.executable}
