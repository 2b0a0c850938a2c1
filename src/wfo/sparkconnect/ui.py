"""Spark's own web UI of wfo's Spark Connect server, served by wfo to Developers and Admins.

The server's UI listens on 127.0.0.1 at `--port` + 5001 (`SPARK_LOCAL_IP`), with `spark.ui.proxyBase` set to
`PREFIX` so that every link it writes stays under wfo's route, and `spark.ui.killEnabled=false`. The
plugin's route (`wfo.plugin.routers.spark_ui`) checks the caller, then relays GET/HEAD through `open_page`,
streaming. Spark Connect has no RPC that lists sessions; its UI's Connect tab does: `open_sessions` reads it
for `wfo status`.
"""

from __future__ import annotations

import html.parser
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from wfo.errors import BadRequest, Unavailable
from wfo.settings import Settings

PREFIX = "/wfo/spark-ui"
# Request headers passed on to Spark (never the caller's cookies or token), and answer headers passed back.
REQUEST_HEADERS = ("accept", "accept-encoding", "accept-language", "if-modified-since", "if-none-match")
ANSWER_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "cache-control",
    "expires",
    "etag",
    "last-modified",
    "content-disposition",
    "x-frame-options",
    # Spark 4 sends a strict policy with a nonce per page (no inline scripts of anyone else's).
    "content-security-policy",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
# Sessions the Connect tab lists in one page (its own default is 100 a page).
SESSIONS_PAGE = 1000


class SparkUiUnavailable(Unavailable):
    """The Spark Connect server (and so its UI) is not running; the message says when it starts."""


class BadUiPath(BadRequest):
    """A path under the Spark UI's prefix that would leave it (`..`, `.`, backslashes, control characters)."""


def prefix(settings: Settings) -> str:
    """Where browsers see the UI: PREFIX under the path of wfo's base URL (`/airflow/wfo/spark-ui` ...)."""
    return urlsplit(settings.base_url).path.rstrip("/") + PREFIX


def server_confs(settings: Settings) -> dict[str, str]:
    """The server's confs for its UI: on loopback (with SPARK_LOCAL_IP), under wfo's prefix, no kill links."""
    return {
        "spark.ui.enabled": "true",
        "spark.ui.port": str(settings.spark_ui_port),
        "spark.ui.proxyBase": prefix(settings),
        "spark.ui.killEnabled": "false",
    }


def ui_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.spark_ui_port}"


def upstream_path(path: str) -> str:
    """The path under the Spark UI for `path` (what follows PREFIX/), refused if it would leave the UI."""
    segments = path.split("/")
    if _CONTROL.search(path) or any(segment in (".", "..") for segment in segments):
        raise BadUiPath(
            f"not a Spark UI page: {path[:80]!r} (no '.' or '..' segments, backslashes or control characters)"
        )
    # One leading slash: the path is always on the UI's own address, never read as `//host/...`.
    return "/" + quote(path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")


def local_location(location: str, settings: Settings) -> str:
    """A redirect of the Spark UI's (absolute, to 127.0.0.1:<ui port>) as a path under wfo's prefix."""
    parts, base = urlsplit(location), prefix(settings)
    if parts.netloc and parts.netloc not in (
        f"127.0.0.1:{settings.spark_ui_port}",
        f"localhost:{settings.spark_ui_port}",
    ):
        return base + "/"
    path = "/" + parts.path.lstrip("/")
    if not path.startswith(base + "/") and path != base:
        path = base + path
    return path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Page:
    """One answer of the Spark UI: status, the headers passed back, the body as it arrives."""

    status: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


async def open_page(
    settings: Settings, method: str, path: str, query: bytes, headers: Mapping[str, str]
) -> Page:
    """Ask the Spark UI for `path`; the caller streams `body` and then awaits `close()`."""
    import httpx

    target = httpx.URL(ui_url(settings) + upstream_path(path), query=query or None)
    sent = {name: headers[name] for name in REQUEST_HEADERS if name in headers}
    # trust_env=False: never through an HTTP(S)_PROXY of the environment, always straight to the loopback UI.
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(30.0, connect=2.0), follow_redirects=False, trust_env=False
    )
    try:
        answer = await client.send(client.build_request(method, target, headers=sent), stream=True)
    except httpx.TransportError:
        await client.aclose()
        raise SparkUiUnavailable(
            "the Spark Connect server is not running, so neither is its UI: it starts with the first PySpark "
            "task or notebook kernel of a config group whose engine is Spark Connect (WFO_SPARK_CONNECT=lazy), "
            "or at `wfo up` with WFO_SPARK_CONNECT=on; `wfo status` shows its state"
        ) from None
    passed = {name: answer.headers[name] for name in ANSWER_HEADERS if name in answer.headers}
    if "location" in answer.headers:
        passed["location"] = local_location(answer.headers["location"], settings)
    passed["x-content-type-options"] = "nosniff"

    async def close() -> None:
        await answer.aclose()
        await client.aclose()

    return Page(answer.status_code, passed, answer.aiter_raw(), close)


class _SessionTable(html.parser.HTMLParser):
    """The rows of the Connect tab's session table: the cells' text, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._depth = 0  # inside the sessions table
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id") or ""
        if tag == "table" and (self._depth or ident.startswith("sessionstat")):
            self._depth += 1
        elif self._depth == 1 and tag == "thead":
            self._in_head = True
        elif self._depth == 1 and tag == "tr" and not self._in_head:
            self.rows.append([])
        elif self._depth == 1 and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._depth:
            self._depth -= 1
        elif self._depth == 1 and tag == "thead":
            self._in_head = False
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head:
                self.headers.append(text)
            elif self.rows:
                self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_sessions(page: str) -> list[dict[str, str]]:
    """The open sessions (no finish time) of the Connect tab's HTML: id, user, start time."""
    table = _SessionTable()
    table.feed(page)
    names = [name.split(" ")[0].lower() for name in table.headers]
    found = []
    for row in table.rows:
        cells = dict(zip(names, row, strict=False))
        if not cells.get("session") or cells.get("finish"):
            continue
        found.append(
            {"id": cells["session"], "user": cells.get("user", ""), "started": cells.get("start", "")}
        )
    return found


def open_sessions(settings: Settings, timeout: float = 2.0) -> list[dict[str, str]]:
    """The sessions open on the server now, from its UI's Connect tab (OSError when it does not answer)."""
    url = f"{ui_url(settings)}/connect/?sessionstat.pageSize={SESSIONS_PAGE}"
    # No proxy of the environment (HTTP_PROXY ...): the UI is on this host's loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as answer:
            page = answer.read(16 * 1024 * 1024).decode("utf-8", errors="replace")
    except urllib.error.URLError as exc:
        raise OSError(f"the Spark UI does not answer: {exc.reason}") from None
    return parse_sessions(page)
