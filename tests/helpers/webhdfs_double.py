"""A WebHDFS stand-in (no HDFS here): a threaded HTTP server speaking the REST calls fsspec's `WebHDFS` makes
to read, serving the files of a local folder as HDFS paths.

* `GET /webhdfs/v1/<path>?op=GETFILESTATUS` and `op=LISTSTATUS`: `{"FileStatus": ...}` /
  `{"FileStatuses": {"FileStatus": [...]}}`, a `RemoteException` (`FileNotFoundException`) with 404;
* `GET /webhdfs/v1/<path>?op=OPEN[&offset=&length=]`: as a NameNode does, a 307 to a "DataNode" URL on the
  same server (`/datanode/webhdfs/v1/<path>?op=OPEN&offset=&length=`), which answers the bytes.

Every call's `user.name` (or basic-auth user) is recorded in `users`; `requests` keeps `(op, path)`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from helpers.json_http import JsonHandler, serving

PREFIX = "/webhdfs/v1"
DATANODE = "/datanode"


@dataclass
class WebHdfsDouble:
    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    users: list[str] = field(default_factory=list)
    datanode_status: int = 200  # another status: the DataNode answers it with an error page
    requests: list[tuple[str, str]] = field(default_factory=list)

    def local(self, hdfs_path: str) -> Path | None:
        parts = [p for p in hdfs_path.split("/") if p]
        if any(p in (".", "..") for p in parts):
            return None
        return self.root.joinpath(*parts)


def _status(path: Path, name: str) -> dict[str, object]:
    stat = path.stat()
    return {
        "accessTime": int(stat.st_atime * 1000),
        "blockSize": 134217728,
        "childrenNum": len(list(path.iterdir())) if path.is_dir() else 0,
        "fileId": stat.st_ino,
        "group": "supergroup",
        "length": stat.st_size if path.is_file() else 0,
        "modificationTime": int(stat.st_mtime * 1000),
        "owner": "hdfs",
        "pathSuffix": name,
        "permission": "755" if path.is_dir() else "644",
        "replication": 0 if path.is_dir() else 3,
        "storagePolicy": 0,
        "type": "DIRECTORY" if path.is_dir() else "FILE",
    }


def _handler(double: WebHdfsDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _missing(self, path: str) -> None:
            self.reply_json(
                404,
                {
                    "RemoteException": {
                        "exception": "FileNotFoundException",
                        "javaClassName": "java.io.FileNotFoundException",
                        "message": f"File does not exist: {path}",
                    }
                },
            )

        def _user(self, query: dict[str, list[str]]) -> str:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                return base64.b64decode(auth[6:]).decode().partition(":")[0]
            return query.get("user.name", [""])[0]

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            op = query.get("op", [""])[0].upper()
            datanode = url.path.startswith(DATANODE + PREFIX)
            raw = url.path.removeprefix(DATANODE) if datanode else url.path
            if not raw.startswith(PREFIX):
                self.reply_json(404, {"error": "not WebHDFS"})
                return
            hdfs_path = unquote(raw.removeprefix(PREFIX)) or "/"
            double.users.append(self._user(query))
            double.requests.append((op if not datanode else f"datanode:{op}", hdfs_path))
            local = double.local(hdfs_path)
            if local is None or not local.exists():
                self._missing(hdfs_path)
                return
            if op == "GETFILESTATUS":
                self.reply_json(200, {"FileStatus": _status(local, "")})
            elif op == "LISTSTATUS" and local.is_dir():
                items = [_status(p, p.name) for p in sorted(local.iterdir())]
                self.reply_json(200, {"FileStatuses": {"FileStatus": items}})
            elif op == "LISTSTATUS":
                self.reply_json(200, {"FileStatuses": {"FileStatus": [_status(local, "")]}})
            elif op == "OPEN" and not datanode:
                # as a NameNode does: the caller's user and the range carried over to the DataNode
                carried = {k: v[0] for k, v in query.items() if k in ("user.name", "offset", "length")}
                location = (
                    f"http://{double.host}:{double.port}{DATANODE}{PREFIX}{quote(hdfs_path)}"
                    f"?op=OPEN&namenoderpcaddress=double:8020&{urlencode(carried)}"
                )
                self.send_response(307)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif op == "OPEN" and double.datanode_status != 200:
                self.reply_json(double.datanode_status, {"error": "the DataNode failed"})
            elif op == "OPEN":
                offset = int(query.get("offset", ["0"])[0])
                length = query.get("length", [""])[0]
                with local.open("rb") as handle:
                    handle.seek(offset)
                    data = handle.read(int(length)) if length else handle.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.reply_json(
                    400,
                    {
                        "RemoteException": {
                            "exception": "UnsupportedOperationException",
                            "javaClassName": "java.lang.UnsupportedOperationException",
                            "message": f"op={op} is not supported by the double",
                        }
                    },
                )

    return Handler


@contextmanager
def webhdfs_double(root: Path, host: str = "127.0.0.1") -> Iterator[WebHdfsDouble]:
    """A running double serving `root` on a free port of `host`."""
    double = WebHdfsDouble(root=root, host=host)
    with serving(_handler(double), host) as port:
        double.port = port
        yield double
