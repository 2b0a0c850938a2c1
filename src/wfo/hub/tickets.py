"""Single sign-on tickets for the notebook hub: signed, short-lived, single use, bound to one user.

wfo's api-server issues a ticket for the logged-in user (`issue`); the browser carries it to the hub in the
URL; our JupyterHub authenticator redeems it (`redeem`). A ticket is `<payload>.<signature>` (URL-safe
base64): the payload names the user, a random nonce and the expiry; the signature is HMAC-SHA256 with a
32-byte secret kept in `$WFO_HOME/keys/notebook-tickets.key` (mode 0600, created by whichever side needs it
first). Single use: redeeming creates `$WFO_HOME/run/notebook-tickets/<nonce>` exclusively, so a replay (in
the same hub, or after a restart within the ticket's lifetime) finds the file and is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from wfo.hub.errors import TicketRefused

TICKET_SECONDS = 60
KEY_FILE = "notebook-tickets.key"
USED_DIR = "notebook-tickets"
_KEY_BYTES = 32
MAX_TICKET_CHARS = 1024


@dataclass(frozen=True)
class Ticket:
    username: str
    nonce: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def secret(home: Path) -> bytes:
    """The instance's ticket secret, created (0600, exclusively) on first use."""
    path = home / "keys" / KEY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            data = path.read_bytes()  # the other side created it meanwhile
        else:
            data = secrets.token_bytes(_KEY_BYTES)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    if len(data) < _KEY_BYTES:
        raise RuntimeError(
            f"{path} is damaged (shorter than {_KEY_BYTES} bytes); delete it to make a new one"
        )
    return data


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue(home: Path, username: str, *, now: float | None = None, seconds: int = TICKET_SECONDS) -> str:
    """A ticket for `username`, valid for `seconds` (at most TICKET_SECONDS)."""
    seconds = min(seconds, TICKET_SECONDS)
    moment = time.time() if now is None else now
    body = {"u": username, "n": secrets.token_hex(16), "e": int(moment) + seconds}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_sign(secret(home), payload)}"


def read(home: Path, ticket: str, *, now: float | None = None) -> Ticket:
    """The ticket's content if its signature is ours and it has not expired (not yet marked used)."""
    if not isinstance(ticket, str) or not ticket or len(ticket) > MAX_TICKET_CHARS or ticket.count(".") != 1:
        raise TicketRefused("it is not a wfo ticket")
    payload, signature = ticket.split(".")
    if not hmac.compare_digest(_sign(secret(home), payload), signature):
        raise TicketRefused("its signature is not valid (forged or from another instance)")
    try:
        body = json.loads(_unb64(payload))
        found = Ticket(username=str(body["u"]), nonce=str(body["n"]), expires=int(body["e"]))
    except (ValueError, KeyError, TypeError):
        raise TicketRefused("its content is damaged") from None
    if not found.nonce.isalnum() or len(found.nonce) != 32:
        raise TicketRefused("its content is damaged", found.username)
    if (time.time() if now is None else now) > found.expires:
        raise TicketRefused("it has expired (tickets are valid for 60 seconds)", found.username)
    return found


def redeem(home: Path, ticket: str, *, now: float | None = None) -> Ticket:
    """Check `ticket` and mark it used; a second redeem of the same ticket is refused."""
    found = read(home, ticket, now=now)
    used = home / "run" / USED_DIR
    used.mkdir(parents=True, exist_ok=True, mode=0o700)
    _forget_expired(used, time.time() if now is None else now)
    try:
        fd = os.open(used / found.nonce, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise TicketRefused("it was already used (tickets are single use)", found.username) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(str(found.expires))
    return found


def _forget_expired(used: Path, now: float) -> None:
    """Drop the marks of tickets that expired more than a minute ago (they are refused as expired)."""
    for mark in used.iterdir():
        try:
            if int(mark.read_text(encoding="ascii") or 0) < now - 60:
                mark.unlink(missing_ok=True)
        except (OSError, ValueError):
            continue
