"""What an EDA source string may name (an allow-list), and where its outputs go in the object store.

* `file:///<absolute path>`: a CSV, TSV or Excel file under one of the instance's data folders
  (`$WFO_HOME/examples-data`, `$WFO_HOME/eda-data`; see `file_roots`), as the worker sees them;
* `store://<key>`: an object of wfo's object store (a dataset uploaded there);
* `conn://<conn_id>/<table>` or `conn://<conn_id>/<schema>.<table>`: a table read through an Airflow
  connection (PostgreSQL, MySQL/MariaDB), its credentials staying in the connection.

Anything else is refused with the reason, before a run starts.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from wfo.eda.errors import BadSource
from wfo.settings import Settings

FILE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
CONN_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$")
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]{0,62}"
TABLE = re.compile(rf"^{IDENTIFIER}(\.{IDENTIFIER})?$")
MAX_SOURCE = 500


@dataclass(frozen=True)
class Source:
    text: str
    scheme: Literal["file", "store", "conn"]
    path: str = ""  # file: absolute path; store: object key
    conn_id: str = ""
    table: str = ""

    @property
    def slug(self) -> str:
        """The source's folder under `outputs/`: its text with every unsafe character as `_`."""
        body = self.text.split("://", 1)[1].strip("/")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{self.scheme}_{body}").strip("._") or self.scheme
        return slug[:120]


def file_roots(settings: Settings) -> list[Path]:
    return [settings.home / "examples-data", settings.home / "eda-data"]


def parse_source(text: str, settings: Settings) -> Source:
    text = text.strip()
    if not text or len(text) > MAX_SOURCE or any(ord(ch) < 32 for ch in text):
        raise BadSource(f"The source must be a URL of at most {MAX_SOURCE} printable characters.")
    scheme, _, rest = text.partition("://")
    if scheme == "file":
        return _file(text, rest, settings)
    if scheme == "store":
        key = posixpath.normpath(unquote(rest)).lstrip("/")
        if not rest or key.startswith("..") or not key.lower().endswith(FILE_SUFFIXES):
            raise BadSource(f"store:// names an object key ending in one of {', '.join(FILE_SUFFIXES)}.")
        return Source(text=text, scheme="store", path=key)
    if scheme == "conn":
        conn_id, _, table = rest.partition("/")
        if not CONN_ID.match(conn_id) or not TABLE.match(table):
            raise BadSource(
                "conn:// takes an Airflow connection id and a table: conn://<conn_id>/<schema.table>."
            )
        return Source(text=text, scheme="conn", conn_id=conn_id, table=table)
    raise BadSource("The source must start with file://, store:// or conn://.")


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


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def checked_local_path(source: Source, settings: Settings) -> Path:
    """The file, resolved on the worker: symbolic links may not lead out of the data folders."""
    real = Path(source.path).resolve()
    if not any(_under(real, root.resolve()) for root in file_roots(settings)):
        raise BadSource(f"{source.path} leads out of the data folders.")
    return real
