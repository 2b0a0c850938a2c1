"""What an EDA source string may name (an allow-list), and where its outputs go in the object store.

* `file:///<absolute path>`: a CSV, TSV or Excel file under one of the instance's data folders
  (`$WFO_HOME/examples-data`, `$WFO_HOME/eda-data`; see `file_roots`), as the worker sees them;
* `store://<key>`: an object of wfo's object store (a dataset uploaded there);
* `conn://<conn_id>/<table>` or `conn://<conn_id>/<schema>.<table>`: a table read through an Airflow
  connection (PostgreSQL, MySQL/MariaDB), its credentials staying in the connection;
* `conn://<conn_id>?query=<URL-encoded SELECT>[&limit=<rows>]`: the rows of one read-only query through such
  a connection (checked here with sqlglot, `wfo.eda.sql_check`: one SELECT/WITH statement, nothing that
  writes or locks; `wfo.eda.sql` runs it in a read-only transaction with a statement timeout and at most
  `limit` rows, default and maximum `MAX_QUERY_ROWS`);
* `dataset://<name>`, `dataset://<name>@<version>` or a bare `<name>`: a dataset of the models-and-datasets
  repository (`wfo.repositories.models`), its latest version unless one is named; a model's name is refused;
* `webhdfs://<conn_id>/<absolute path>` (or `hdfs://`, read the same way): a CSV, TSV or Excel file in HDFS,
  read over WebHDFS with the host, port, user and TLS options of an Airflow connection (`wfo.eda.webhdfs`);
* `s3://<bucket>/<key>` or `s3://<bucket>/<key>?conn=<conn_id>`: a CSV, TSV or Excel object in S3 (or an
  S3-protocol store), read with the keys, endpoint and region of an Airflow connection, `aws_default`
  unless one is named (`wfo.eda.s3`); the bucket follows S3's naming rules, the key is printable UTF-8 of at
  most 1024 bytes without `.`, `..` or empty parts.

Anything else is refused with the reason, before a run starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from wfo.eda.errors import BadSource, UnreadableSource
from wfo.repositories.errors import NotFoundError
from wfo.repositories.models import NAME_PATTERN, read_manifest
from wfo.settings import Settings
from wfo.storage.objectstore import ObjectStore

FILE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CONN_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$")
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]{0,62}"
TABLE = re.compile(rf"^{IDENTIFIER}(\.{IDENTIFIER})?$")
# A query source is longer than a path: 4000 characters (a saved source keeps at most 500).
MAX_SOURCE = 4000
MAX_QUERY_ROWS = 10_000_000
# S3's rules for bucket names: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each
# end, no `..`/`.-`/`-.`, not an IP address, none of the reserved prefixes and suffixes.
BUCKET = re.compile(r"^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(\.\.|\.-|-\.))[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
MAX_KEY_BYTES = 1024
DEFAULT_S3_CONN = "aws_default"
DATASET = re.compile(rf"^(?P<name>{NAME_PATTERN.pattern})(@v?(?P<version>[1-9][0-9]{{0,8}}))?$")


@dataclass(frozen=True)
class Source:
    text: str
    scheme: Literal["file", "store", "conn", "dataset", "webhdfs", "hdfs", "s3"]
    path: str = ""  # file, webhdfs, hdfs: absolute path; store, s3: object key; dataset: its name
    conn_id: str = ""
    bucket: str = ""  # s3
    table: str = ""
    query: str = ""  # conn: a checked read-only query instead of a table
    version: int | None = None  # dataset: None for the latest
    limit: int = 0  # query: at most this many rows are read

    @property
    def slug(self) -> str:
        """The source's folder under `outputs/`: its text with every unsafe character as `_` (a query:
        the connection and a digest of the query)."""
        if self.query:
            digest = hashlib.sha256(self.query.encode()).hexdigest()[:12]
            return f"conn_{self.conn_id}_query_{digest}"[:120]
        body = self.text.split("://", 1)[1].strip("/")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{self.scheme}_{body}").strip("._") or self.scheme
        return slug[:120]


def file_roots(settings: Settings) -> list[Path]:
    return [settings.home / "examples-data", settings.home / "eda-data"]


def parse_source(text: str, settings: Settings) -> Source:
    text = text.strip()
    if not text or len(text) > MAX_SOURCE or any(ord(ch) < 32 for ch in text):
        raise BadSource(f"The source must be a URL of at most {MAX_SOURCE} printable characters.")
    if "://" not in text and DATASET.match(text):  # a bare dataset name
        text = f"dataset://{text}"
    scheme, _, rest = text.partition("://")
    if scheme == "dataset":
        found = DATASET.match(rest)
        if not found or ".." in rest:
            raise BadSource(
                "dataset:// takes the name of a dataset of the models-and-datasets repository, optionally "
                "with a version: dataset://<name> or dataset://<name>@<version>."
            )
        number = found.group("version")
        return Source(
            text=text, scheme="dataset", path=found.group("name"), version=int(number) if number else None
        )
    if scheme == "file":
        return _file(text, rest, settings)
    if scheme == "store":
        key = posixpath.normpath(unquote(rest)).lstrip("/")
        if not rest or key.startswith("..") or not key.lower().endswith(FILE_SUFFIXES):
            raise BadSource(f"store:// names an object key ending in one of {', '.join(FILE_SUFFIXES)}.")
        return Source(text=text, scheme="store", path=key)
    if scheme in ("webhdfs", "hdfs"):
        return _hdfs(text, "hdfs" if scheme == "hdfs" else "webhdfs", rest)
    if scheme == "s3":
        return _s3(text, rest)
    if scheme == "conn" and "?" in rest and "/" not in rest.partition("?")[0]:
        return _query(text, rest)
    if scheme == "conn":
        conn_id, _, table = rest.partition("/")
        if not CONN_ID.match(conn_id) or not TABLE.match(table):
            raise BadSource(
                "conn:// takes an Airflow connection id and a table: conn://<conn_id>/<schema.table>."
            )
        return Source(text=text, scheme="conn", conn_id=conn_id, table=table)
    raise BadSource(
        "The source must start with file://, store://, conn://, dataset://, webhdfs://, hdfs:// or s3:// "
        "(or be a dataset's name)."
    )


def _query(text: str, rest: str) -> Source:
    from wfo.eda.sql_check import check_query

    conn_id, _, params = rest.partition("?")
    if not CONN_ID.match(conn_id):
        raise BadSource(
            "conn:// takes an Airflow connection id: conn://<conn_id>?query=<URL-encoded SELECT>."
        )
    try:
        fields = parse_qs(params, keep_blank_values=True, strict_parsing=True, max_num_fields=2)
    except ValueError as exc:
        raise BadSource(f"conn://<conn_id>?query=... cannot be read: {exc}.") from exc
    if (
        "query" not in fields
        or not set(fields) <= {"query", "limit"}
        or any(len(v) > 1 for v in fields.values())
    ):
        raise BadSource("conn://<conn_id>? takes query=<URL-encoded SELECT> and optionally limit=<rows>.")
    limit = MAX_QUERY_ROWS
    if "limit" in fields:
        raw = fields["limit"][0]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_QUERY_ROWS:
            raise BadSource(f"limit= is a number of rows from 1 to {MAX_QUERY_ROWS}.")
        limit = int(raw)
    query = check_query(fields["query"][0])
    return Source(text=text, scheme="conn", conn_id=conn_id, query=query, limit=limit)


def dataset_file(source: Source, store: ObjectStore) -> tuple[int, str]:
    """The version and file name a `dataset://` source reads (from the manifest, no DB); a name that is
    not a dataset, or a missing version, is refused with the reason."""
    try:
        manifest = read_manifest(store, source.path)
        if manifest.kind != "dataset":
            raise BadSource(
                f"{source.path!r} is a model ({manifest.kind}) of the models-and-datasets repository, "
                "not a dataset."
            )
        entry = manifest.version(source.version)
    except NotFoundError as exc:
        raise BadSource(f"No dataset {source.path!r}: {exc}.") from exc
    if not entry.filename.lower().endswith(FILE_SUFFIXES):
        raise BadSource(
            f"Dataset {source.path!r} version {entry.version} is {entry.filename!r}; EDA reads "
            f"{', '.join(FILE_SUFFIXES)} files."
        )
    return entry.version, entry.filename


def _file(text: str, rest: str, settings: Settings) -> Source:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        raise BadSource("file:// takes an absolute path on the workers (file:///path/to/data.csv).")
    path = posixpath.normpath(unquote(parts.path))
    if not path.startswith("/") or not path.lower().endswith(FILE_SUFFIXES):
        raise BadSource(f"file:// names a CSV, TSV or Excel file ({', '.join(FILE_SUFFIXES)}).")
    if not any(_under(Path(path), root) for root in file_roots(settings)):
        roots = ", ".join(str(r) for r in file_roots(settings))
        raise BadSource(f"file:// sources must be under one of the data folders: {roots}.")
    return Source(text=text, scheme="file", path=path)


def _hdfs(text: str, scheme: Literal["webhdfs", "hdfs"], rest: str) -> Source:
    form = f"{scheme}://<conn_id>/<absolute path>"
    conn_id, slash, raw = rest.partition("/")
    if not CONN_ID.match(conn_id):
        raise BadSource(f"{scheme}:// takes an Airflow connection id, then the file's path: {form}.")
    if "?" in raw or "#" in raw:
        raise BadSource(f"{scheme}:// takes no query or fragment: {form}.")
    path = "/" + unquote(raw) if slash else ""
    if not raw or raw.startswith("/") or any(ord(ch) < 32 for ch in path):
        raise BadSource(f"{scheme}:// takes an absolute path after the connection id: {form}.")
    if ".." in path.split("/") or posixpath.normpath(path) != path:
        raise BadSource(f"{scheme}:// paths may not contain '..', '.' or empty parts: {path!r}.")
    if not path.lower().endswith(FILE_SUFFIXES):
        raise BadSource(f"{scheme}:// names a CSV, TSV or Excel file ({', '.join(FILE_SUFFIXES)}).")
    return Source(text=text, scheme=scheme, conn_id=conn_id, path=path)


def _s3(text: str, rest: str) -> Source:
    form = "s3://<bucket>/<key> or s3://<bucket>/<key>?conn=<conn_id>"
    if "#" in rest:
        raise BadSource(f"s3:// takes no fragment: {form}.")
    location, asks, params = rest.partition("?")
    bucket, slash, raw = location.partition("/")
    if not BUCKET.match(bucket) or IPV4.match(bucket) or bucket.endswith(BUCKET_RESERVED_SUFFIXES):
        raise BadSource(
            f"s3:// bucket {bucket!r} is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots "
            f"and hyphens, starting and ending with a letter or digit, not an IP address): {form}."
        )
    try:
        key = unquote(raw, errors="strict") if slash else ""
    except UnicodeDecodeError as exc:
        raise BadSource(f"s3:// keys are percent-encoded UTF-8: {exc}.") from exc
    if not key or not key.isprintable() or len(key.encode()) > MAX_KEY_BYTES:
        raise BadSource(
            f"s3:// takes an object key of at most {MAX_KEY_BYTES} bytes of printable characters after the "
            f"bucket: {form}."
        )
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise BadSource(f"s3:// keys may not contain '..', '.' or empty parts: {key!r}.")
    if not key.lower().endswith(FILE_SUFFIXES):
        raise BadSource(f"s3:// names a CSV, TSV or Excel object ({', '.join(FILE_SUFFIXES)}).")
    conn_id = DEFAULT_S3_CONN
    if asks:
        try:
            fields = parse_qs(params, strict_parsing=True, max_num_fields=1)
        except ValueError as exc:
            raise BadSource(f"s3://...?conn=<conn_id> cannot be read: {exc}.") from exc
        if set(fields) != {"conn"} or len(fields["conn"]) != 1 or not CONN_ID.match(fields["conn"][0]):
            raise BadSource(f"s3:// takes only conn=<Airflow connection id> after '?': {form}.")
        conn_id = fields["conn"][0]
    return Source(text=text, scheme="s3", conn_id=conn_id, bucket=bucket, path=key)


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def checked_local_path(source: Source, settings: Settings) -> Path:
    """The file, resolved on the worker: symbolic links may not lead out of the data folders."""
    real = Path(source.path).resolve()
    if not any(_under(real, root.resolve()) for root in file_roots(settings)):
        raise BadSource(f"{source.path} leads out of the data folders.")
    return real


def airflow_connection(source: Source) -> Any:
    """The Airflow connection a `conn://`, `webhdfs://` or `s3://` source names (on the worker, through the
    Task SDK); a missing one fails the run with a line that names it."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(source.conn_id)
    except AirflowNotFoundException as exc:
        raise UnreadableSource(f"{source.text}: no Airflow connection {source.conn_id!r}.") from exc


def require_conn_type(source: Source, connection: Any, types: tuple[str, ...]) -> None:
    """Refuse a connection of another type than the source's scheme reads through."""
    if connection.conn_type not in types:
        raise BadSource(
            f"Connection {source.conn_id!r} is of type {connection.conn_type!r}; "
            f"{source.scheme}:// reads through a connection of type {' or '.join(types)}."
        )


def check_remote_size(source: Source, size: int, max_bytes: int) -> None:
    """Refuse a remote file above `max_bytes` before any of it is read."""
    if size > max_bytes:
        raise UnreadableSource(
            f"{source.text} is {size} bytes; EDA copies remote files of at most {max_bytes} bytes."
        )


def check_copied(source: Source, copied: int, size: int) -> None:
    """Refuse a copy whose length is not the size the remote file had when it was checked."""
    if copied != size:
        raise UnreadableSource(f"{source.text} changed while being copied ({copied} of {size} bytes read).")


@contextlib.contextmanager
def removed_on_error(target: Path) -> Iterator[None]:
    """A remote file's local copy: removed if the block fails, so no half-written file is left."""
    try:
        yield
    except BaseException:
        target.unlink(missing_ok=True)
        raise
