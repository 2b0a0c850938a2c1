"""`wfo status` names the Spark Connect server's state: idle (lazy), running with its JVM, or why unknown."""

from __future__ import annotations

from typing import Any

import pytest

from wfo.cli.status import print_report

RUNNING = {"running": True, "home": "/h", "pid": 1, "url": "http://x", "components": [], "health": {}}


@pytest.mark.parametrize(
    ("state", "line"),
    [
        (
            {"state": "idle", "url": "sc://localhost:14000", "pid": None, "reason": None},
            "spark connect  sc://localhost:14000 idle",
        ),
        (
            {"state": "running", "url": "sc://localhost:14000", "pid": 42, "memory": "1g", "restarts": 1},
            "spark connect  sc://localhost:14000 running (JVM pid 42, memory 1g, restarts 1)",
        ),
        ({"state": "unknown", "reason": "no control socket"}, "spark connect   unknown (no control socket)"),
    ],
)
def test_the_server_line(state: dict[str, Any], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    print_report({**RUNNING, "spark_connect": state})
    assert line in [text.strip() for text in capsys.readouterr().out.splitlines()]
