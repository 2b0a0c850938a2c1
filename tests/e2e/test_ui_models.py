"""The Models and datasets page in a browser: upload an ONNX model into its section, watch it become
"serving", then send the example request from the "try it" box and read the model's prediction."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers.models import onnx_classifier
from helpers.platform_runner import Platform

pytestmark = pytest.mark.e2e


def login(page: Any, platform: Platform) -> None:
    page.goto(platform.base_url + "/")
    page.wait_for_url(re.compile(r".*/auth/login/.*"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", platform.admin_password)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))


def test_upload_on_the_page_serves_and_try_it_answers(
    page: Any, platform: Platform, artifacts_dir: Path
) -> None:
    model, data = onnx_classifier()
    path = artifacts_dir / "e2e-iris.onnx"
    path.write_bytes(data)
    login(page, platform)
    page.goto(platform.base_url + "/plugin/wfo/models")
    section = page.get_by_test_id("models-section-onnx")
    section.get_by_test_id("models-onnx-name").fill("e2e-iris")
    section.get_by_test_id("models-onnx-upload-input").set_input_files(str(path))
    # The uploaded model opens; its state turns to "serving" by itself (the page polls while loading).
    detail = page.get_by_test_id("model-detail")
    detail.get_by_test_id("model-detail-state").filter(has_text="serving").wait_for(timeout=15_000)
    assert "/v2/models/e2e-iris/infer" in detail.get_by_test_id("model-curl").inner_text()
    request = json.loads(detail.get_by_test_id("model-try-request").input_value())
    assert request["inputs"][0]["name"] == "X"
    row = [5.1, 3.5, 1.4, 0.2]
    request["inputs"][0].update(shape=[1, 4], data=row)
    detail.get_by_test_id("model-try-request").fill(json.dumps(request))
    detail.get_by_test_id("model-try-send").click()
    detail.get_by_test_id("model-try-status").filter(has_text="200").wait_for()
    answer = json.loads(detail.get_by_test_id("model-try-response").inner_text())
    label = next(o for o in answer["outputs"] if o["name"] == "label")
    assert label["data"] == model.predict([row]).tolist()
    assert page.get_by_test_id("model-state-e2e-iris").inner_text() == "serving"
    page.screenshot(path=str(artifacts_dir / "models-page.png"), full_page=True)
