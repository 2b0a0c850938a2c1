"""Notifying a miss: one e-mail per DAG run listing its tasks that missed, then the DAG's
`sla_miss_callback` in a sandbox (`wfo.sla.callback`). The outcome is written on the miss rows.

E-mail goes through Airflow's SMTP settings, read at send time: the connection named by `[email]
email_conn_id` (`smtp_default`) when it exists (the SMTP provider's hook: host, port, login, TLS from the
connection, changeable at run time through Airflow's Connections), else the `[smtp]` section
(`airflow.utils.email.send_email`). Recipients are the `email=` addresses of the tasks that missed, as in
Airflow 1.10.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.db.models import SlaMiss
from wfo.sla.detection import Recorded


def subject(misses: list[Recorded]) -> str:
    first = misses[0]
    return f"[wfo] SLA missed: {len(misses)} task(s) of {first.dag_id}, run {first.run_id}"


def body(misses: list[Recorded], base_url: str = "") -> str:
    rows = "".join(
        "<tr><td>{}</td><td>{:g} s</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(m.task_id),
            m.sla_seconds,
            m.expected_by.isoformat(timespec="seconds"),
            m.detected_at.isoformat(timespec="seconds"),
            html.escape(m.state or "not started"),
        )
        for m in misses
    )
    first = misses[0]
    return (
        f"<p>These tasks of DAG <b>{html.escape(first.dag_id)}</b>, run <b>{html.escape(first.run_id)}</b>, "
        "had not succeeded within their SLA of the run's start:</p>"
        "<table><tr><th>task</th><th>SLA</th><th>expected by</th><th>detected at</th><th>state</th></tr>"
        f"{rows}</table>" + (f'<p><a href="{html.escape(base_url)}">SLA misses</a></p>' if base_url else "")
    )


def send_mail(to: list[str], title: str, content: str) -> str:
    """Send through Airflow's SMTP settings; return where it went (raises on failure)."""
    from airflow.configuration import conf
    from airflow.models.connection import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    conn_id = conf.get("email", "email_conn_id", fallback="smtp_default") or "smtp_default"
    sender = conf.get("email", "from_email", fallback=None) or conf.get("smtp", "smtp_mail_from")
    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        connection = None
    if connection is not None and connection.host:
        send_through_connection(connection, to, title, content, sender)
        return f"e-mail to {', '.join(to)} (connection {conn_id})"
    from airflow.utils.email import send_email

    send_email(to=to, subject=title, html_content=content)
    return f"e-mail to {', '.join(to)} ([smtp] settings)"


def send_through_connection(connection: Any, to: list[str], title: str, content: str, sender: str) -> None:
    """An SMTP connection as the SMTP provider reads it: host, port, login, and the `disable_ssl`,
    `disable_tls`, `from_email`, `timeout` extras (SSL and STARTTLS on unless disabled)."""
    import smtplib
    import ssl

    from airflow.utils.email import build_mime_message

    extra = connection.extra_dejson
    sender = extra.get("from_email") or sender
    message, recipients = build_mime_message(mail_from=sender, to=to, subject=title, html_content=content)
    timeout = float(extra.get("timeout", 30))
    port = connection.port or (25 if extra.get("disable_ssl") else 465)
    client: smtplib.SMTP
    if extra.get("disable_ssl"):
        client = smtplib.SMTP(connection.host, port, timeout=timeout)
        if not extra.get("disable_tls"):
            client.starttls(context=ssl.create_default_context())
    else:
        client = smtplib.SMTP_SSL(
            connection.host, port, timeout=timeout, context=ssl.create_default_context()
        )
    with client:
        if connection.login and connection.password:
            client.login(connection.login, connection.password)
        client.sendmail(sender, recipients, message.as_string())


class Notifier:
    """Notifies the misses one monitor pass recorded, one DAG run at a time."""

    def __init__(
        self,
        session_factory: Callable[[], Session],
        mailer: Callable[[list[str], str, str], str] = send_mail,
        run_callback: Callable[[list[Recorded]], str] | None = None,
    ) -> None:
        from wfo.sla.callback import run_sla_callback

        self.session_factory = session_factory
        self.mailer = mailer
        self.run_callback = run_callback or run_sla_callback

    def notify(self, recorded: list[Recorded]) -> None:
        key: Callable[[Recorded], tuple[str, str]] = lambda m: (m.dag_id, m.run_id)  # noqa: E731
        for _run, group in groupby(sorted(recorded, key=key), key=key):
            self.notify_run(list(group))

    def notify_run(self, misses: list[Recorded]) -> None:
        outcomes: list[str] = []
        notified = False
        recipients = sorted({address for m in misses for address in m.emails})
        if recipients:
            try:
                outcomes.append(self.mailer(recipients, subject(misses), body(misses)))
                notified = True
            except Exception as exc:  # noqa: BLE001 - any SMTP/connection failure is reported on the miss
                outcomes.append(f"e-mail failed: {type(exc).__name__}: {exc}"[:500])
        if any(m.callback for m in misses):
            outcome = self.run_callback(misses)
            outcomes.append(outcome)
            notified = notified or outcome.startswith("callback ran")
        if not outcomes:
            outcomes.append("nobody to notify (no email= on the tasks, no sla_miss_callback)")
        text = "; ".join(outcomes)
        print(f"sla-monitor: {misses[0].dag_id} {misses[0].run_id}: {text}", file=sys.stderr, flush=True)
        with self.session_factory() as session:
            for row in session.scalars(select(SlaMiss).where(SlaMiss.id.in_([m.miss_id for m in misses]))):
                row.notified = notified
                row.notification = text
            session.commit()
