"""An `s3://` source copied to the worker with boto3 (S3 or any S3-protocol store: MinIO, Ceph RGW, ...).

The credentials come from an Airflow connection only (`conn_type` `aws`, resolved on the worker through the
Task SDK as for `conn://` sources; default id `aws_default`): login = access key id, password = secret access
key, extra `aws_session_token` (with temporary credentials: an STS session or an assumed role's),
`endpoint_url` (http/https; none: AWS itself), `region_name` and `verify` (false, or a CA bundle's path).
The keys and the endpoint come from nothing else: not from environment variables, `~/.aws` files or
instance roles (a configured `AWS_ENDPOINT_URL` is ignored). The object's size is read first (HEAD) and an
object larger than `MAX_BYTES` (the limit of remote HDFS files) is refused before any byte is read; the copy
is one GET of exactly that many bytes of that version (`Range` + `If-Match` on the ETag), streamed
`CHUNK_BYTES` at a time into the run's private temporary folder, and must end at that size. Every failure
becomes an `UnreadableSource` naming the source and the reason.

Why boto3 and not fsspec's s3fs: s3fs needs aiobotocore, and the aiobotocore releases current s3fs accepts pin
either botocore below 1.43.118 (our boto3 1.44.8 needs botocore 1.44.8) or multidict below 7 (ours: 7.2.1);
checked with `uv pip compile`, which otherwise falls back to s3fs 0.4.2, of 2020.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import (
    Source,
    airflow_connection,
    check_copied,
    check_remote_size,
    removed_on_error,
    require_conn_type,
)
from wfo.eda.webhdfs import MAX_BYTES as REMOTE_MAX_BYTES

CONN_TYPES = ("aws",)  # the Amazon provider's connection type (the provider is not needed)
MAX_BYTES = REMOTE_MAX_BYTES  # a larger object is for a cluster reading S3 itself, not for a copy
CHUNK_BYTES = 8 * 1024 * 1024
TIMEOUT_S = 60.0  # connect and each read
ATTEMPTS = 2  # tries of one request (botocore retries a throttled or refused one)


def fetch_s3(source: Source, folder: Path) -> Path:
    """The object of an `s3://` source, copied into `folder`."""
    return copy_object(source, airflow_connection(source), folder, max_bytes=MAX_BYTES)


def client(source: Source, connection: Any) -> Any:
    """A boto3 S3 client with the connection's keys, endpoint, region and TLS check."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    require_conn_type(source, connection, CONN_TYPES)
    if not connection.login or not connection.password:
        raise BadSource(
            f"Connection {source.conn_id!r} needs the access key id as its login and the secret access key "
            "as its password."
        )
    extra = connection.extra_dejson
    endpoint = extra.get("endpoint_url") or None
    if endpoint is not None and not _http_url(str(endpoint)):
        raise BadSource(
            f"Connection {source.conn_id!r}: extra endpoint_url must be an http(s) URL, not {endpoint!r}."
        )
    verify = extra.get("verify", True)
    session = boto3.session.Session(
        aws_access_key_id=connection.login,
        aws_secret_access_key=connection.password,
        aws_session_token=str(extra.get("aws_session_token") or "") or None,
        region_name=str(extra.get("region_name") or "us-east-1"),
    )
    config = Config(
        connect_timeout=TIMEOUT_S,
        read_timeout=TIMEOUT_S,
        retries={"total_max_attempts": ATTEMPTS, "mode": "standard"},
        ignore_configured_endpoint_urls=True,
        s3={"addressing_style": "path" if endpoint else "auto"},
    )
    try:
        return session.client(
            "s3",
            endpoint_url=str(endpoint) if endpoint else None,
            verify=verify if isinstance(verify, str) and verify.startswith("/") else _flag(verify),
            config=config,
        )
    except (BotoCoreError, ValueError) as exc:  # a malformed region name, endpoint
        raise BadSource(f"Connection {source.conn_id!r} cannot be used for S3: {_reason(exc)}") from exc


def copy_object(source: Source, connection: Any, folder: Path, *, max_bytes: int) -> Path:
    """Check the object's size against `max_bytes` (HEAD), then stream exactly that many bytes to `folder`."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client(source, connection)
    target = folder / f"s3{Path(source.path).suffix.lower()}"
    with removed_on_error(target):
        try:
            return _copy(s3, source, target, max_bytes)
        except ClientError as exc:
            token = bool(connection.extra_dejson.get("aws_session_token"))
            raise UnreadableSource(f"{source.text}: {_client_reason(source, exc, token)}") from exc
        except (BotoCoreError, OSError, ValueError) as exc:
            # an unreachable endpoint, a timeout, a TLS failure, a broken stream
            raise UnreadableSource(f"{source.text}: S3 failed: {_reason(exc)}") from exc


def _copy(s3: Any, source: Source, target: Path, max_bytes: int) -> Path:
    """HEAD, the size check, then one ranged GET of exactly that many bytes into `target`."""
    head = s3.head_object(Bucket=source.bucket, Key=source.path)
    size = int(head["ContentLength"])
    check_remote_size(source, size, max_bytes)
    copied = 0
    with target.open("wb") as dst:
        if size:  # an empty object: nothing to GET (a Range on it is unsatisfiable)
            body = s3.get_object(
                Bucket=source.bucket,
                Key=source.path,
                Range=f"bytes=0-{size - 1}",
                IfMatch=head["ETag"],
            )["Body"]
            try:
                while chunk := body.read(min(CHUNK_BYTES, size + 1 - copied)):
                    copied += len(chunk)
                    if copied > size:
                        break
                    dst.write(chunk)
            finally:
                body.close()
    check_copied(source, copied, size)
    return target


def _client_reason(source: Source, exc: Any, token: bool) -> str:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    detail = str(error.get("Message") or code or status)
    if code in ("404", "NoSuchKey", "NotFound"):
        return f"no object {source.path!r} in bucket {source.bucket!r} (or no such bucket)."
    if code == "NoSuchBucket":
        return f"no such bucket {source.bucket!r}."
    if code == "PreconditionFailed" or status == 412:
        return "the object changed while being copied."
    # S3 answers a bad or expired session token with 400 (no code at all to a HEAD, which has no body).
    refused_token = token and status == 400 and code in ("400", "BadRequest", "Bad Request")
    if (
        refused_token
        or status in (401, 403)
        or code
        in (
            "403",
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "InvalidToken",
            "ExpiredToken",
            "InvalidClientTokenId",
        )
    ):
        keys = "access key, secret and session token" if token else "access key and secret"
        return f"access denied ({detail}): check the {keys} of connection {source.conn_id!r} and what they may read."
    return f"S3 failed: {detail} (HTTP {status})."


def _http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not (parts.query or parts.fragment)
            and (parts.port is None or parts.port > 0)
        )
    except ValueError:  # a broken IPv6 literal, a port out of range
        return False


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
