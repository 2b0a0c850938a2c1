"""Notifications: a real SMTP sink receives the e-mail; the callback runs sandboxed, out of process."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from wfo.db.models import SlaMiss
from wfo.sla.callback import run_sla_callback
from wfo.sla.detection import Recorded
from wfo.sla.notify import Notifier, send_mail

from helpers.smtp_sink import SmtpSink, body_text, smtp_sink

NOW = dt.datetime(2026, 1, 1, 12, 0, 10, tzinfo=dt.UTC)


def recorded(task_id: str, fileloc: str = "", callback: bool = False, miss_id: int = 1) -> Recorded:
    return Recorded(
        miss_id,
        "nightly",
        "manual__1",
        task_id,
        5.0,
        NOW - dt.timedelta(seconds=1),
        NOW,
        "running",
        ("ops@example.com",),
        callback,
        fileloc,
    )


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    with smtp_sink() as running:
        # Airflow's SMTP connection, read at send time (here from the environment, on the platform from
        # the metadata DB).
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMTP_DEFAULT",
            f"smtp://{running.host}:{running.port}?disable_tls=true&disable_ssl=true&from_email=wfo%40example.com",
        )
        yield running


def test_one_email_per_run_lists_its_tasks_and_marks_them_notified(sink: SmtpSink, session: Session) -> None:
    for miss_id, task_id in ((1, "extract"), (2, "load")):
        session.add(
            SlaMiss(
                id=miss_id,
                dag_id="nightly",
                run_id="manual__1",
                task_id=task_id,
                sla_seconds=5,
                run_started_at=NOW,
                expected_by=NOW,
                detected_at=NOW,
            )
        )
    session.commit()
    notifier = Notifier(lambda: session, mailer=send_mail)
    notifier.notify([recorded("extract", miss_id=1), recorded("load", miss_id=2)])
    messages = sink.wait_for(1)
    assert len(messages) == 1
    assert "SLA missed: 2 task(s) of nightly" in str(messages[0]["Subject"])
    assert messages[0]["X-Envelope-To"] == "ops@example.com"
    text = body_text(messages[0])
    assert "extract" in text and "load" in text and "running" in text
    rows = session.query(SlaMiss).order_by(SlaMiss.id).all()
    assert [row.notified for row in rows] == [True, True]
    assert "e-mail to ops@example.com" in (rows[0].notification or "")


def test_an_unreachable_smtp_server_is_reported_not_raised(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", "smtp://127.0.0.1:9?disable_tls=true&disable_ssl=true")
    session.add(
        SlaMiss(
            id=1,
            dag_id="nightly",
            run_id="manual__1",
            task_id="extract",
            sla_seconds=5,
            run_started_at=NOW,
            expected_by=NOW,
            detected_at=NOW,
        )
    )
    session.commit()
    Notifier(lambda: session, run_callback=lambda misses: "unused").notify([recorded("extract")])
    row = session.query(SlaMiss).one()
    assert row.notified is False and (row.notification or "").startswith("e-mail failed")


CALLBACK_DAG = """
import json, os
from datetime import datetime, timedelta
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

OUT = {out!r}


def missed(dag, task_list, blocking_task_list, slas, blocking_tis):
    with open(OUT, "w") as fh:
        json.dump({{"dag": dag.dag_id, "task_list": task_list, "slas": [s.task_id for s in slas],
                   "blocking": [t.task_id for t in blocking_tis], "env": sorted(os.environ)}}, fh)
    {extra}


with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None, sla_miss_callback=missed):
    EmptyOperator(task_id="extract", sla=timedelta(seconds=5))
"""


def test_the_callback_runs_in_a_scrubbed_process_with_110_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "called.json"
    dag_file = tmp_path / "nightly.py"
    dag_file.write_text(CALLBACK_DAG.format(out=str(out), extra="pass"), encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://secret@db/airflow")
    monkeypatch.setenv("WFO_HOME", str(tmp_path))
    assert run_sla_callback([recorded("extract", str(dag_file), callback=True)]) == "callback ran"
    called = json.loads(out.read_text())
    assert called["dag"] == "nightly" and called["slas"] == ["extract"] and called["blocking"] == []
    assert "extract in manual__1" in called["task_list"]
    assert not [name for name in called["env"] if "SQL_ALCHEMY" in name or name.startswith("WFO_HOME")]


def test_a_failing_callback_is_reported(tmp_path: Path) -> None:
    dag_file = tmp_path / "nightly.py"
    dag_file.write_text(
        CALLBACK_DAG.format(out=str(tmp_path / "x.json"), extra="raise ValueError('boom')"), encoding="utf-8"
    )
    outcome = run_sla_callback([recorded("extract", str(dag_file), callback=True)])
    assert outcome == "callback failed: ValueError: boom"


NOTIFIER_DAG = """
import json
from datetime import datetime, timedelta
from airflow.sdk import DAG
from airflow.sdk.bases.notifier import BaseNotifier
from airflow.providers.standard.operators.empty import EmptyOperator


class FileNotifier(BaseNotifier):
    template_fields = ("path",)

    def __init__(self, path):
        super().__init__()
        self.path = path

    def notify(self, context):
        with open(self.path, "a") as fh:
            fh.write(json.dumps({{"dag": context["dag"].dag_id, "tasks": context["task_list"]}}) + "\\n")


with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None,
         sla_miss_callback=[FileNotifier({first!r}), FileNotifier({second!r})]):
    EmptyOperator(task_id="extract", sla=timedelta(seconds=5))
"""


def test_airflow_notifiers_in_the_callback_list_are_each_notified(tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    dag_file = tmp_path / "nightly.py"
    dag_file.write_text(NOTIFIER_DAG.format(first=str(first), second=str(second)), encoding="utf-8")
    assert run_sla_callback([recorded("extract", str(dag_file), callback=True)]) == "callback ran"
    for out in (first, second):
        [line] = out.read_text().splitlines()
        assert json.loads(line) == {"dag": "nightly", "tasks": "extract in manual__1"}
