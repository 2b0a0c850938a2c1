"""An S3 stand-in (no S3 here): moto's S3 behind its server app (what `moto_server` and `ThreadedMotoServer`
run), on a free local port of a thread, with IAM authentication on, so a request needs a known access key and
a valid signature, as on S3.

`s3_double()` yields an `S3Double`: its `endpoint_url`, an access key (`key_id`, `secret`) of a user who may
use S3, `client()` (boto3 with those keys, for the test's setup) and `requests`, the `(method, path)` of every
request the server answered (HEAD, GET, ...), to prove what a reader did or did not fetch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
USER = "eda-reader"
ROLE = "eda-job"
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


@dataclass
class S3Double:
    host: str
    port: int
    key_id: str = ""
    secret: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret, region_name=REGION
        ).client("s3", endpoint_url=self.endpoint_url)

    def temporary_credentials(self) -> tuple[str, str, str]:
        """An access key id, secret and session token of a role that may use S3, assumed through STS (as a
        job's temporary credentials are); the server accepts that key only with that token."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        iam = iam_backends[DEFAULT_ACCOUNT_ID]["global"]
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
        role = iam.create_role(ROLE, json.dumps(trust), "/", None, "", [], None)
        iam.put_role_policy(ROLE, "s3", json.dumps(ALLOW_S3))
        assumed = sts_backends[DEFAULT_ACCOUNT_ID]["global"].assume_role(
            region_name=REGION,
            role_session_name="eda",
            role_arn=role.arn,
            policy="",
            duration=900,
            external_id="",
        )
        return assumed.access_key_id, assumed.secret_access_key, assumed.session_token

    def connection(self, **fields: object) -> dict[str, object]:
        """An Airflow connection (REST API form) to the double with the user's keys, `fields` overriding."""
        extra = json.dumps({"endpoint_url": self.endpoint_url, "region_name": REGION})
        return {"conn_type": "aws", "login": self.key_id, "password": self.secret, "extra": extra} | fields


def _recording(app: Callable[..., Iterable[bytes]], seen: list[tuple[str, str]]) -> Callable[..., Any]:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return app(environ, start_response)

    return wsgi


@contextmanager
def s3_double() -> Iterator[S3Double]:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:  # `requests` keeps them
            pass

    seen: list[tuple[str, str]] = []
    app = _recording(DomainDispatcherApplication(create_backend_app), seen)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    double = S3Double(host="127.0.0.1", port=server.port, requests=seen)
    # The user and its key, made in the IAM backend the server checks signatures and permissions against.
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["global"]
    iam.create_user(REGION, USER)
    iam.put_user_policy(USER, "s3", json.dumps(ALLOW_S3))
    key = iam.create_access_key(USER)
    double.key_id, double.secret = key.access_key_id, key.secret_access_key
    before = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # every request authenticated from the first
    ActionAuthenticatorMixin.request_count = 0
    thread = threading.Thread(target=server.serve_forever, name="s3-double", daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        thread.join(timeout=10)
        settings.INITIAL_NO_AUTH_ACTION_COUNT = before
        iam_backends[DEFAULT_ACCOUNT_ID].reset()
        from moto.sts.models import sts_backends

        sts_backends[DEFAULT_ACCOUNT_ID].reset()
        from moto.s3.models import s3_backends

        s3_backends[DEFAULT_ACCOUNT_ID].reset()
