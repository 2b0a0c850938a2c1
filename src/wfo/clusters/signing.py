"""Ed25519 signatures on what the api-server publishes for tasks (DESIGN §5 "tamper-evident").

The private key exists once per instance, in `$WFO_HOME/keys/` (mode 0600), and is used only where
config groups are published (the api-server and the init step). Tasks verify with the public key
that reaches them outside Airflow's connections: `WFO_SIGNING_PUBLIC_KEY` in the environment `wfo up`
gives its children, `[wfo] signing_public_key` in the generated airflow.cfg, and `wfo env` for workers
on other hosts. A signature covers the canonical JSON of the content together with the connection
id, so a snapshot copied into another group's connection does not verify either.

`cryptography` is imported inside the functions: `wfo.operators` must stay light (DESIGN §6).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from wfo.clusters.secrets import SecretsError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNATURE_FIELD = "signature"
SIGNATURE_VERSION = 1
KEY_FILE = Path("keys") / "publish-signing-key.pem"
PUBLIC_KEY_PREFIX = "ed25519:"

Problem = Literal["unsigned", "altered", "other-key", "no-public-key", "bad-public-key"]


class SigningKeyError(SecretsError):
    """The instance's private signing key is missing or unreadable (publishing cannot sign)."""


class SignatureRefused(ValueError):
    """Published content is unsigned, altered, signed for another connection or with another key."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def key_path(home: Path) -> Path:
    return home / KEY_FILE


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    # Never replace a key another process created meanwhile: its public half may already be handed out.
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def ensure_signing_key(home: Path) -> str:
    """Create the instance's signing key once (kept on every later start); return its public key text."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(home)
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(path, pem)
    return public_key_text(load_private_key(home))


def load_private_key(home: Path) -> Ed25519PrivateKey:
    """The private key in `home`; `SigningKeyError` when it is missing or not an Ed25519 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = key_path(home)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"the signing key {path} cannot be read ({exc.strerror}); restart `wfo up`, which creates "
            "a new one and republishes every config group"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key; delete it and restart `wfo up`")
    return key


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public half as `ed25519:<base64>`: what workers export as WFO_SIGNING_PUBLIC_KEY."""
    return PUBLIC_KEY_PREFIX + base64.b64encode(_raw_public(key)).decode("ascii")


def installed_public_key(home: Path) -> str | None:
    """The public key of the key in `home`, or None when there is none (yet)."""
    if not key_path(home).exists():
        return None
    return public_key_text(load_private_key(home))


def key_id(raw_public: bytes) -> str:
    """A short fingerprint, so an error can say which key signed and which one a worker trusts."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


def canonical(conn_id: str, content: dict[str, Any]) -> bytes:
    """The signed bytes: sorted keys, fixed separators, ASCII only, bound to the connection id."""
    envelope = {"wfo_signed": SIGNATURE_VERSION, "conn_id": conn_id, "content": content}
    text = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.encode("ascii")


def sign(key: Ed25519PrivateKey, conn_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """`content` as stored in the connection's extra: the JSON form of `content` plus its signature."""
    if SIGNATURE_FIELD in content:
        raise ValueError(f"the content to sign already has a {SIGNATURE_FIELD!r} field")
    # Sign exactly what a reader will get back from the stored JSON (tuples, non-string keys ...).
    stored: dict[str, Any] = json.loads(json.dumps(content, allow_nan=False))
    value = key.sign(canonical(conn_id, stored))
    stored[SIGNATURE_FIELD] = {
        "version": SIGNATURE_VERSION,
        "key_id": key_id(_raw_public(key)),
        "value": base64.b64encode(value).decode("ascii"),
    }
    return stored


def _parse_public_key(text: str) -> bytes:
    body = text.strip()
    if not body:
        raise SignatureRefused(
            "no-public-key",
            "this worker has no public key to check published config groups with: export "
            "WFO_SIGNING_PUBLIC_KEY as printed by `wfo env` on the wfo host",
        )
    try:
        raw = base64.b64decode(body.removeprefix(PUBLIC_KEY_PREFIX), validate=True)
    except binascii.Error:
        raw = b""
    if not body.startswith(PUBLIC_KEY_PREFIX) or len(raw) != 32:
        raise SignatureRefused(
            "bad-public-key",
            "WFO_SIGNING_PUBLIC_KEY is not an `ed25519:<base64>` public key; export it again from `wfo env`",
        )
    return raw


def verify(public_key: str, conn_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The content of a stored extra whose signature checks out for `conn_id`; `SignatureRefused` if not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw_public = _parse_public_key(public_key)
    content = {k: v for k, v in stored.items() if k != SIGNATURE_FIELD}
    signature = stored.get(SIGNATURE_FIELD)
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        raise SignatureRefused("unsigned", "it is not signed by wfo")
    if signature.get("version") != SIGNATURE_VERSION:
        raise SignatureRefused(
            "unsigned", f"its signature has version {signature.get('version')!r}; this wfo checks version 1"
        )
    try:
        value = base64.b64decode(signature["value"], validate=True)
        Ed25519PublicKey.from_public_bytes(raw_public).verify(value, canonical(conn_id, content))
    except (binascii.Error, InvalidSignature, ValueError):
        trusted = key_id(raw_public)
        signer = signature.get("key_id")
        if isinstance(signer, str) and signer != trusted:
            raise SignatureRefused(
                "other-key",
                f"it was signed with key {signer} but this worker trusts key {trusted}; after a rotation of "
                "the signing key, remote workers need the new WFO_SIGNING_PUBLIC_KEY from `wfo env`",
            ) from None
        raise SignatureRefused(
            "altered", "it was changed outside wfo and no longer matches its signature"
        ) from None
    return content
