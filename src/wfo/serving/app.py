"""The model server's HTTP routes: Open Inference Protocol v2, TF-Serving REST, TorchServe, Openscoring.

Open: `/ping`, `/v2/health/live`, `/v2/health/ready`. Every other route needs a Bearer token (an
Airflow JWT, or the model's API key on that model's routes) unless the model is public. Bodies are
read up to `max_request_bytes`; anything a client sent wrong is a 4xx with a message, never a 500.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, cast

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wfo.errors import WfoError
from wfo.serving.auth import TokenChecker, check_airflow_token, check_model_access
from wfo.serving.errors import BadInferenceInput, BodyTooLarge, ModelNotServedError
from wfo.serving.registry import Registry, Served
from wfo.serving.runtimes.base import Runtime, array_to_tensor, tensor_to_array
from wfo.storage.limits import format_size

# .mar handlers faster than this on average run on the event loop; slower ones on the model's own thread.
INLINE_SECONDS = 0.005


class BodyLimit:
    """Refuse bodies above `limit` bytes, by their declared length or while they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(self.limit)(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(f"the request body is larger than the limit of {format_size(self.limit)}")
            return message

        await self.app(scope, limited, send)


V2_INFER = re.compile(r"/v2/models/([^/]+)/(?:versions/([^/]+)/)?infer")
V2Handler = Callable[[Request, str, str | None], Awaitable[Response]]


class V2InferFastPath:
    """`POST /v2/models/{name}[/versions/{version}]/infer` straight to its handler, past the framework's
    middleware stack, route matching and parameter resolution: on a one-row inference those were about a
    fifth of the request's time, and at 16 requests in flight every request waits for the others. The
    handler, its checks and its error answers are the ones every route has."""

    def __init__(self, app: ASGIApp, handler: V2Handler) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = V2_INFER.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if matched is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            response: Response = JSONResponse(
                {"detail": "Method Not Allowed"}, 405, headers={"Allow": "POST"}
            )
        else:
            try:
                response = await self.handler(Request(scope, receive), matched[1], matched[2])
            except WfoError as exc:
                response = error_response(exc)
        await response(scope, receive, send)


def error_response(exc: WfoError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse({"detail": exc.detail}, exc.status, headers=headers)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"the request body is larger than the limit of {format_size(limit)}"}, 413)


def _version(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or len(text) > 12:
        raise ModelNotServedError(f"{text!r} is not a version number")
    return int(text)


async def _json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInferenceInput(f"the body is not JSON: {exc}") from None


async def _run(runtime: Runtime, call: Any, *args: Any) -> Any:
    """Small ONNX graphs run inline (microseconds); others in the thread pool, off the event loop."""
    if runtime.kind == "onnx":
        return call(*args)
    return await run_in_threadpool(call, *args)


def create_app(registry: Registry, *, max_request_bytes: int) -> FastAPI:
    app = FastAPI(title="wfo model server", docs_url=None, redoc_url=None, openapi_url=None)
    checker = TokenChecker()

    @app.exception_handler(WfoError)
    async def _domain_error(_request: Request, exc: WfoError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": jsonable(exc.errors())}, 422)

    def model(
        request: Request, name: str, version: str | None = None, kind: str | None = None
    ) -> tuple[Served, Any]:
        check_model_access(checker, request.headers.get("authorization"), registry.access.get(name))
        return registry.runtime(name, _version(version), kind)

    # --- open ------------------------------------------------------------------------------------------
    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"status": "Healthy"}

    @app.get("/v2/health/live")
    def live() -> dict[str, bool]:
        return {"live": True}

    @app.get("/v2/health/ready")
    def ready() -> Response:
        ok = registry.polled_once.is_set()
        return JSONResponse({"ready": ok}, 200 if ok else 503)

    # --- wfo -------------------------------------------------------------------------------------------
    @app.get("/wfo/models")
    def states(request: Request) -> dict[str, Any]:
        check_airflow_token(checker, request.headers.get("authorization"))
        return {"models": registry.states()}

    # --- Open Inference Protocol v2 --------------------------------------------------------------------
    def v2_metadata(request: Request, name: str, version: str | None) -> dict[str, Any]:
        served, runtime = model(request, name, version)
        manifest = registry.manifests.get(name)
        versions = [str(v.version) for v in manifest.versions] if manifest else [str(served.version)]
        return {"name": name, "versions": versions, "platform": runtime.platform, **runtime.metadata()}

    @app.get("/v2/models/{name}")
    def v2_model(request: Request, name: str) -> dict[str, Any]:
        return v2_metadata(request, name, None)

    @app.get("/v2/models/{name}/versions/{version}")
    def v2_model_version(request: Request, name: str, version: str) -> dict[str, Any]:
        return v2_metadata(request, name, version)

    @app.get("/v2/models/{name}/ready")
    def v2_ready(request: Request, name: str) -> Response:
        check_model_access(checker, request.headers.get("authorization"), registry.access.get(name))
        served = registry.models.get(name)
        if served is None:
            raise ModelNotServedError(f"no model {name!r} is served here")
        ok = served.runtime is not None
        return JSONResponse({"name": name, "ready": ok}, 200 if ok else 503)

    async def v2_infer(request: Request, name: str, version: str | None) -> Response:
        served, runtime = model(request, name, version)
        body = await _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list) or not body["inputs"]:
            raise BadInferenceInput(
                "the body must be an object with a non-empty list `inputs` (Open Inference Protocol v2)"
            )
        inputs = dict(tensor_to_array(tensor, i) for i, tensor in enumerate(body["inputs"]))
        wanted = body.get("outputs")
        names = None
        if wanted is not None:
            if not isinstance(wanted, list) or not all(
                isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted
            ):
                raise BadInferenceInput("`outputs` must be a list of objects with a `name`")
            names = [o["name"] for o in wanted]
        results = await _run(runtime, runtime.infer, inputs, names)
        answer: dict[str, Any] = {
            "model_name": name,
            "model_version": str(_version(version) or served.version),
            "outputs": [array_to_tensor(key, value) for key, value in results.items()],
        }
        if isinstance(body.get("id"), str):
            answer["id"] = body["id"]
        # Already plain JSON types (array_to_tensor): serialised once here, without FastAPI's walk over
        # every value of the answer (the hot path of a served model).
        return Response(json.dumps(answer, separators=(",", ":")), media_type="application/json")

    # POST /v2/models/{name}[/versions/{version}]/infer: `V2InferFastPath` calls `v2_infer`.

    # --- TF-Serving REST -------------------------------------------------------------------------------
    def tf_status(request: Request, name: str, version: str | None) -> dict[str, Any]:
        served, _runtime = model(request, name, version)
        shown = _version(version) or served.version
        return {
            "model_version_status": [
                {
                    "version": str(shown),
                    "state": "AVAILABLE",
                    "status": {"error_code": "OK", "error_message": ""},
                }
            ]
        }

    def tf_metadata(request: Request, name: str, version: str | None) -> dict[str, Any]:
        served, runtime = model(request, name, version)
        meta = runtime.metadata()

        def tensor(t: dict[str, Any]) -> dict[str, Any]:
            return {
                "name": t["name"],
                "dtype": t["datatype"],
                "tensor_shape": {"dim": [{"size": str(d)} for d in t.get("shape", [])]},
            }

        signature = {
            "inputs": {t["name"]: tensor(t) for t in meta["inputs"]},
            "outputs": {t["name"]: tensor(t) for t in meta["outputs"]},
            "method_name": "tensorflow/serving/predict",
        }
        # A SavedModel lists every signature as its own proto has it (classify/regress ones included);
        # other runtimes describe their one signature in the same shape.
        definitions = getattr(runtime, "signature_defs", None) or {"serving_default": signature}
        return {
            "model_spec": {
                "name": name,
                "signature_name": "",
                "version": str(_version(version) or served.version),
            },
            "metadata": {"signature_def": {"signature_def": definitions}},
        }

    async def tf_call(request: Request, name: str, version: str | None, verb: str) -> dict[str, Any]:
        served, runtime = model(request, name, version)
        if verb not in ("predict", "classify", "regress"):
            raise ModelNotServedError(f"unknown method :{verb} (predict, classify or regress)")
        if verb != "predict" and not getattr(runtime, "supports", lambda _verb: False)(verb):
            raise BadInferenceInput(f"the model's signature has no {verb} method; use :predict")
        body = await _json(request)
        if not isinstance(body, dict):
            wants = "`instances` or `inputs`" if verb == "predict" else "`examples`"
            raise BadInferenceInput(f"the body must be a JSON object with {wants}")
        if verb != "predict":
            return cast(dict[str, Any], await _run(runtime, getattr(runtime, verb), body))
        return await _run(runtime, tf_predict, runtime, body)

    @app.get("/v1/models/{spec}")
    def tf_model(request: Request, spec: str) -> dict[str, Any]:
        name, _, rest = spec.partition(":")
        if rest:
            raise ModelNotServedError(f"GET does not take :{rest}; POST it")
        return tf_status(request, name, None)

    @app.get("/v1/models/{name}/metadata")
    def tf_model_metadata(request: Request, name: str) -> dict[str, Any]:
        return tf_metadata(request, name, None)

    @app.get("/v1/models/{name}/versions/{version}")
    def tf_model_version(request: Request, name: str, version: str) -> dict[str, Any]:
        return tf_status(request, name, version)

    @app.get("/v1/models/{name}/versions/{version}/metadata")
    def tf_model_version_metadata(request: Request, name: str, version: str) -> dict[str, Any]:
        return tf_metadata(request, name, version)

    @app.post("/v1/models/{spec}")
    async def tf_predict_latest(request: Request, spec: str) -> dict[str, Any]:
        name, _, verb = spec.partition(":")
        return await tf_call(request, name, None, verb)

    @app.post("/v1/models/{name}/versions/{spec}")
    async def tf_predict_version(request: Request, name: str, spec: str) -> dict[str, Any]:
        version, _, verb = spec.partition(":")
        return await tf_call(request, name, version, verb)

    # --- TorchServe inference and management reads ----------------------------------------------------------
    async def torch_predict(request: Request, name: str, version: str | None) -> Any:
        _served, runtime = model(request, name, version, kind="pytorch")
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if runtime.average_seconds < INLINE_SECONDS:
            # A fast handler runs on the event loop: no thread hand-off, requests in arrival order (p99).
            result = runtime.predict(body, content_type)
        else:
            result = await asyncio.get_running_loop().run_in_executor(
                runtime.executor, runtime.predict, body, content_type
            )
        if isinstance(result, bytes | str):
            return PlainTextResponse(result if isinstance(result, str) else result.decode("utf-8", "replace"))
        return JSONResponse(jsonable(result))

    @app.post("/predictions/{name}")
    async def torch_predict_latest(request: Request, name: str) -> Any:
        return await torch_predict(request, name, None)

    @app.post("/predictions/{name}/{version}")
    async def torch_predict_version(request: Request, name: str, version: str) -> Any:
        return await torch_predict(request, name, version)

    @app.get("/models")
    def torch_models(request: Request) -> dict[str, Any]:
        check_airflow_token(checker, request.headers.get("authorization"))
        models = [
            {"modelName": name, "modelUrl": f"{name}.mar"}
            for name, served in sorted(registry.models.items())
            if served.kind == "pytorch"
        ]
        return {"models": models}

    @app.get("/models/{name}")
    def torch_model(request: Request, name: str) -> list[dict[str, Any]]:
        served, runtime = model(request, name, None, kind="pytorch")
        return [
            {
                "modelName": name,
                "modelVersion": str(served.version),
                "modelUrl": f"{name}.mar",
                "runtime": "python",
                "minWorkers": 1,
                "maxWorkers": 1,
                "batchSize": 1,
                "loadedAtStartup": False,
                "workers": [{"id": "1", "status": "READY" if served.runtime else "UNLOADED"}],
                **getattr(runtime, "description", {}),
            }
        ]

    # --- Openscoring -----------------------------------------------------------------------------------
    @app.get("/openscoring/model/{name}")
    def openscoring_model(request: Request, name: str) -> dict[str, Any]:
        _served, runtime = model(request, name, None, kind="pmml")
        schema = runtime.schema()
        return {
            "id": name,
            "miningFunction": runtime.mining_function,
            "summary": runtime.summary,
            "schema": schema,
        }

    @app.post("/openscoring/model/{name}")
    async def openscoring_evaluate(request: Request, name: str) -> dict[str, Any]:
        _served, runtime = model(request, name, None, kind="pmml")
        body = await _json(request)
        if not isinstance(body, dict) or not isinstance(body.get("arguments"), dict):
            raise BadInferenceInput('the body must be {"id": ..., "arguments": {field: value, ...}}')
        results = await run_in_threadpool(runtime.evaluate, body["arguments"])
        answer: dict[str, Any] = {"results": results}
        if "id" in body:
            answer = {"id": body["id"], **answer}
        return answer

    @app.post("/openscoring/model/{name}/csv")
    async def openscoring_csv(request: Request, name: str) -> Response:
        _served, runtime = model(request, name, None, kind="pmml")
        try:
            text = (await request.body()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInferenceInput("the CSV body must be UTF-8") from None
        dialect = "excel-tab" if "\t" in text.split("\n", 1)[0] else "excel"
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        if not reader.fieldnames:
            raise BadInferenceInput("the CSV body needs a header line with the field names")
        id_column = next((c for c in reader.fieldnames if c.lower() == "id"), None)
        rows = list(reader)
        records = [{k: (v if v != "" else None) for k, v in row.items() if k != id_column} for row in rows]
        results = await run_in_threadpool(runtime.evaluate_all, records)
        columns = ([id_column] if id_column else []) + (list(results[0]) if results else [])
        out = io.StringIO()
        writer = csv.writer(out, dialect=dialect, lineterminator="\n")
        writer.writerow(columns)
        for row, result in zip(rows, results, strict=True):
            writer.writerow(
                ([row[id_column]] if id_column else []) + [result.get(c) for c in columns if c != id_column]
            )
        return PlainTextResponse(out.getvalue(), media_type="text/csv")

    wrapped: Any = BodyLimit(V2InferFastPath(app, v2_infer), max_request_bytes)
    wrapped.fastapi = app
    return wrapped


def tf_predict(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    """TF-Serving's `:predict` over any runtime: row format (`instances`) or columnar (`inputs`)."""
    meta = runtime.metadata()
    input_meta = {t["name"]: t for t in meta["inputs"]}
    names = list(input_meta)
    if ("instances" in body) == ("inputs" in body):
        raise BadInferenceInput("send exactly one of `instances` (row format) or `inputs` (columnar format)")
    if "instances" in body:
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            raise BadInferenceInput("`instances` must be a non-empty list")
        if all(isinstance(i, dict) for i in instances):
            columns = {n: [i.get(n) for i in instances] for n in names}
            if any(v is None for col in columns.values() for v in col):
                raise BadInferenceInput(f"every instance needs the inputs {names}")
        elif len(names) == 1:
            columns = {names[0]: instances}
        else:
            raise BadInferenceInput(f"the model has several inputs {names}: send each instance as an object")
    else:
        given = body["inputs"]
        columns = given if isinstance(given, dict) else ({names[0]: given} if len(names) == 1 else None)  # type: ignore[assignment]
        if columns is None:
            raise BadInferenceInput(f"the model has several inputs {names}: send `inputs` as an object")
    arrays = {}
    for name, values in columns.items():
        if name not in input_meta:
            raise BadInferenceInput(f"unknown input {name!r}; the model's inputs are {names}")
        datatype = input_meta[name]["datatype"]
        try:
            arrays[name] = np.asarray(values, dtype=_numpy_type(datatype))
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadInferenceInput(f"the input {name!r} does not fit {datatype}: {exc}") from None
    results = runtime.infer(arrays, None)
    plain = {k: np.asarray(v).tolist() if isinstance(v, np.ndarray) else v for k, v in results.items()}
    if "instances" in body:
        if len(plain) == 1:
            return {"predictions": next(iter(plain.values()))}
        count = len(next(iter(plain.values())))
        return {"predictions": [{k: v[i] for k, v in plain.items()} for i in range(count)]}
    return {"outputs": next(iter(plain.values())) if len(plain) == 1 else plain}


def _numpy_type(datatype: str) -> Any:
    from wfo.serving.runtimes.base import V2_TO_NUMPY

    return V2_TO_NUMPY.get(datatype, np.object_)


def jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray) or callable(getattr(value, "tolist", None)):  # numpy, torch tensors
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
