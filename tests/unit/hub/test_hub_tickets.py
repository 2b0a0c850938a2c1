"""Hub login tickets: signed, expiring, single use, bound to the user named in them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wfo.hub import tickets
from wfo.hub.errors import TicketRefused


def test_a_ticket_is_redeemed_once_for_its_user(tmp_path: Path) -> None:
    ticket = tickets.issue(tmp_path, "alice")
    assert tickets.redeem(tmp_path, ticket).username == "alice"
    with pytest.raises(TicketRefused, match="already used") as refused:
        tickets.redeem(tmp_path, ticket)
    assert refused.value.username == "alice"


def test_the_secret_is_private_and_kept(tmp_path: Path) -> None:
    first = tickets.secret(tmp_path)
    key = tmp_path / "keys" / tickets.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert tickets.secret(tmp_path) == first


def test_an_expired_ticket_is_refused(tmp_path: Path) -> None:
    ticket = tickets.issue(tmp_path, "alice", now=1000.0)
    with pytest.raises(TicketRefused, match="expired"):
        tickets.redeem(tmp_path, ticket, now=1000.0 + tickets.TICKET_SECONDS + 1)
    assert tickets.redeem(tmp_path, tickets.issue(tmp_path, "alice", now=1000.0), now=1059.0)


def test_no_ticket_lives_longer_than_a_minute(tmp_path: Path) -> None:
    ticket = tickets.issue(tmp_path, "alice", now=1000.0, seconds=3600)
    assert tickets.read(tmp_path, ticket, now=1000.0).expires == 1000 + 60


def test_changing_the_user_breaks_the_signature(tmp_path: Path) -> None:
    import base64
    import json

    payload, signature = tickets.issue(tmp_path, "alice").split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["u"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(TicketRefused, match="signature"):
        tickets.redeem(tmp_path, f"{forged}.{signature}")


def test_a_ticket_of_another_instance_is_refused(tmp_path: Path) -> None:
    other = tickets.issue(tmp_path / "other", "alice")
    with pytest.raises(TicketRefused, match="signature"):
        tickets.redeem(tmp_path / "mine", other)


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "x" * 5000, "eyJ1IjoiYSJ9.sig"])
def test_junk_is_refused(tmp_path: Path, junk: str) -> None:
    with pytest.raises(TicketRefused):
        tickets.redeem(tmp_path, junk)


def test_marks_of_long_expired_tickets_are_dropped(tmp_path: Path) -> None:
    tickets.redeem(tmp_path, tickets.issue(tmp_path, "alice", now=1000.0), now=1001.0)
    used = tmp_path / "run" / tickets.USED_DIR
    assert len(list(used.iterdir())) == 1
    tickets.redeem(tmp_path, tickets.issue(tmp_path, "bob", now=5000.0), now=5001.0)
    assert len(list(used.iterdir())) == 1
