"""Stand-ins for a YARN cluster: a ResourceManager REST double and a `spark-submit` that only submits.

The double speaks the parts of the RM REST API the Spark provider uses: `GET /ws/v1/cluster/apps/{id}`
(state, finalStatus, diagnostics) and `PUT /ws/v1/cluster/apps/{id}/state` (kill).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from helpers.json_http import JsonHandler, serving

APP_ID = "application_1700000000000_0042"

FAKE_SPARK_SUBMIT = """#!/usr/bin/env python3
import json, os, stat, sys
record = {{
    "argv": sys.argv[1:],
    "env": {{k: os.environ.get(k) for k in ("HADOOP_CONF_DIR", "YARN_CONF_DIR", "KRB5_CONFIG",
                                          "SPARK_SUBMIT_OPTS", "PYSPARK_PYTHON")}},
    "hadoop_files": sorted(os.listdir(os.environ["HADOOP_CONF_DIR"])) if os.environ.get("HADOOP_CONF_DIR") else [],
}}
args = sys.argv[1:]
if "--keytab" in args:
    keytab = args[args.index("--keytab") + 1]
    record["keytab_mode"] = oct(stat.S_IMODE(os.stat(keytab).st_mode))
    record["keytab_bytes"] = open(keytab, "rb").read().hex()
with open({record!r}, "w") as fh:
    json.dump(record, fh)
print("INFO Client: Submitting application {app} to ResourceManager")
print("INFO Client: Submitted application {app}")
"""


class ResourceManager:
    """Serves one application whose state advances through `states` on each GET."""

    def __init__(self, states: list[tuple[str, str]], diagnostics: str = "") -> None:
        self.states = list(states)
        self.diagnostics = diagnostics
        self.requests: list[str] = []
        self.killed = False

    def next_state(self) -> tuple[str, str]:
        if self.killed:
            return "KILLED", "KILLED"
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def _handler(rm: ResourceManager) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            rm.requests.append(f"GET {self.path}")
            if self.path != f"/ws/v1/cluster/apps/{APP_ID}":
                self.reply_json(404, {"RemoteException": {"message": f"no application at {self.path}"}})
                return
            state, final = rm.next_state()
            self.reply_json(
                200,
                {
                    "app": {
                        "id": APP_ID,
                        "state": state,
                        "finalStatus": final,
                        "diagnostics": rm.diagnostics if state != "RUNNING" else "",
                    }
                },
            )

        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            rm.requests.append(f"PUT {self.path} {body}")
            if self.path == f"/ws/v1/cluster/apps/{APP_ID}/state" and body.get("state") == "KILLED":
                rm.killed = True
                self.reply_json(202, {"state": "KILLED"})
            else:
                self.reply_json(400, {"RemoteException": {"message": "bad request"}})

    return Handler


@contextmanager
def resource_manager(rm: ResourceManager) -> Iterator[str]:
    with serving(_handler(rm)) as port:
        yield f"127.0.0.1:{port}"


def fake_spark_home(root: Path, record: Path) -> Path:
    """A SPARK_HOME whose bin/spark-submit records what it was given and reports a YARN submission."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "spark-submit"
    script.write_text(FAKE_SPARK_SUBMIT.format(record=str(record), app=APP_ID))
    script.chmod(0o755)
    return root
