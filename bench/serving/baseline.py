"""The bare baseline: FastAPI + onnxruntime serving one ONNX file on the v2 infer route, nothing else
(no auth, no registry, no checks beyond what numpy needs). `python baseline.py MODEL.onnx PORT`."""

from __future__ import annotations

import sys

import numpy as np
import onnxruntime
import uvicorn
from fastapi import FastAPI, Request

DTYPES = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64}


def main() -> None:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    app = FastAPI()

    @app.post("/v2/models/{name}/infer")
    async def infer(name: str, request: Request) -> dict[str, object]:
        body = await request.json()
        feed = {
            t["name"]: np.asarray(t["data"], dtype=DTYPES[t["datatype"]]).reshape(t["shape"])
            for t in body["inputs"]
        }
        results = session.run(names, feed)
        return {
            "model_name": name,
            "outputs": [
                {"name": n, "shape": list(r.shape), "datatype": "FP32", "data": r.ravel().tolist()}
                for n, r in zip(names, results, strict=True)
            ],
        }

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
