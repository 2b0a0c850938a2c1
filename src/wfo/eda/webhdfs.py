"""A `webhdfs://` or `hdfs://` source copied to the worker over WebHDFS (fsspec's `WebHDFS`, no libhdfs).

The connection (`conn_type` `webhdfs` or `hdfs`) gives the NameNode's host and port (default `DEFAULT_PORT`),
the HDFS user (login; sent as `user.name`, or as HTTP basic auth when the connection has a password too)
and, in its extra, `use_ssl` (https) and `verify` (false, or a CA bundle's path). The file's size is read
first (GETFILESTATUS) and a file larger than `MAX_BYTES` is refused before any byte is copied; the copy
streams `CHUNK_BYTES` at a time (ranged OPENs, each redirected to a DataNode) into the run's private
temporary folder, and must end at that size. Every failure becomes an `UnreadableSource` naming the source
and the reason.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import (
    Source,
    airflow_connection,
    check_copied,
    check_remote_size,
    removed_on_error,
    require_conn_type,
)

CONN_TYPES = ("webhdfs", "hdfs")
DEFAULT_PORT = 9870  # Hadoop 3's NameNode HTTP port
MAX_BYTES = 64 * 1024**3  # a larger file is for the Spark engine reading HDFS itself, not for a copy
CHUNK_BYTES = 8 * 1024 * 1024
TIMEOUT_S = 60.0  # per HTTP request (connect and each read)


def fetch_webhdfs(source: Source, folder: Path) -> Path:
    """The file of a `webhdfs://`/`hdfs://` source, copied into `folder` (the connection resolved through
    the Task SDK, as for `conn://` sources)."""
    return copy_file(source, airflow_connection(source), folder, max_bytes=MAX_BYTES)


def file_system(source: Source, connection: Any) -> Any:
    """fsspec's `WebHDFS` for the connection; its session's requests time out after `TIMEOUT_S`."""
    from fsspec.implementations.webhdfs import WebHDFS

    require_conn_type(source, connection, CONN_TYPES)
    if not connection.host:
        raise BadSource(f"Connection {source.conn_id!r} names no host (the NameNode's).")
    extra = connection.extra_dejson
    verify = extra.get("verify", True)
    fs = WebHDFS(
        host=connection.host,
        port=int(connection.port or DEFAULT_PORT),
        user=connection.login or None,
        password=(connection.password or None) if connection.login else None,
        use_https=_flag(extra.get("use_ssl", False)),
        session_verify=verify if isinstance(verify, str) and verify.startswith("/") else _flag(verify),
        skip_instance_cache=True,
    )
    fs.session.request = functools.partial(fs.session.request, timeout=TIMEOUT_S)
    namenode = fs.url

    def datanode_errors(response: Any, *args: Any, **kwargs: Any) -> None:
        # fsspec reads a DataNode's answer without checking its status: an error page would become file
        # content. The NameNode's errors stay with fsspec, which turns its RemoteException into a reason.
        if response.status_code >= 400 and not response.url.startswith(namenode):
            response.raise_for_status()

    fs.session.hooks["response"].append(datanode_errors)
    return fs


def copy_file(source: Source, connection: Any, folder: Path, *, max_bytes: int) -> Path:
    """Check the remote file's size against `max_bytes`, then stream it to `folder`."""
    import requests

    fs = file_system(source, connection)
    target = folder / f"webhdfs{Path(source.path).suffix.lower()}"
    with removed_on_error(target):
        try:
            return _copy(fs, source, target, max_bytes)
        except FileNotFoundError as exc:
            raise UnreadableSource(f"{source.text}: no such file in HDFS ({_reason(exc)}).") from exc
        except PermissionError as exc:
            raise UnreadableSource(f"{source.text}: permission denied ({_reason(exc)}).") from exc
        except (requests.RequestException, ValueError, RuntimeError, OSError) as exc:
            # HTTP errors (401 of a secured cluster, 5xx), refused connections, timeouts, a NameNode's exception
            raise UnreadableSource(f"{source.text}: WebHDFS failed: {_reason(exc)}") from exc


def _copy(fs: Any, source: Source, target: Path, max_bytes: int) -> Path:
    """The size check (GETFILESTATUS), then the file streamed into `target`."""
    info = fs.info(source.path)
    if info.get("type") != "file":
        raise UnreadableSource(f"{source.text} is a {info.get('type', 'non-file')}, not a file.")
    size = int(info["size"])
    check_remote_size(source, size, max_bytes)
    copied = 0
    with fs.open(source.path, "rb", block_size=CHUNK_BYTES) as src, target.open("wb") as dst:
        # fsspec reads up to the size GETFILESTATUS gave, so the copy stays within the limit
        while chunk := src.read(CHUNK_BYTES):
            copied += len(chunk)
            dst.write(chunk)
    check_copied(source, copied, size)
    return target


def _flag(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
