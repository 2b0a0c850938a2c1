"""What a task prints never reaches the scheduler's log: LocalExecutor echoes it there unmasked."""

from __future__ import annotations

import sys
from pathlib import Path

from wfo.cli.supervisor import Component, is_forwarded_task_output

ECHOED = [
    b"2026-12-02T16:40:11Z [info     ] livy: {'password': 's3cret'} [task.stdout]\n",
    b"\x1b[2m2026-12-02\x1b[0m [\x1b[31merror\x1b[0m] Traceback \x1b[0m[\x1b[34mtask.stderr\x1b[0m]\n",
    b'{"event": "s3cret", "logger": "task.stdout", "level": "info"}\n',
]
KEPT = [
    b"2026-12-02T16:40:11Z [info     ] Scheduler started [airflow.jobs.scheduler_job_runner]\n",
    b"a task named [task.stdout] in the middle of a line stays\n",
]


def test_the_echo_of_task_output_is_recognised_and_nothing_else() -> None:
    assert [is_forwarded_task_output(line) for line in ECHOED] == [True, True, True]
    assert [is_forwarded_task_output(line) for line in KEPT] == [False, False]


def test_a_component_with_a_filter_keeps_every_other_line_of_its_output(tmp_path: Path) -> None:
    lines = KEPT[:1] + ECHOED + KEPT[1:]
    source = tmp_path / "lines.bin"
    source.write_bytes(b"".join(lines))
    component = Component(
        "echo",
        [sys.executable, "-c", f"import sys; sys.stdout.buffer.write(open({str(source)!r}, 'rb').read())"],
        tmp_path / "echo.log",
        drop_line=is_forwarded_task_output,
    )
    component.start(env={})
    assert component.process is not None
    assert component.process.wait(timeout=30) == 0
    component.close_log()
    assert (tmp_path / "echo.log").read_bytes() == b"".join(KEPT)
