"""Signing published config groups: the key on disk, the canonical form, every way to break a signature."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wfo.clusters import signing
from wfo.clusters.signing import SignatureRefused

CONN = "wfo_config_group_default"
SNAPSHOT: dict[str, Any] = {
    "format": 1,
    "name": "default",
    "spark": {"arguments": {"master": "local[*]"}, "confs": {"spark.executor.memory": "2g"}},
    "hadoop_files": {"core-site.xml": "<configuration>caf\u00e9</configuration>"},
    "keytabs": {},
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    signing.ensure_signing_key(tmp_path)
    return tmp_path


def _signed(home: Path, content: dict[str, Any] = SNAPSHOT, conn_id: str = CONN) -> dict[str, Any]:
    signed = signing.sign(signing.load_private_key(home), conn_id, content)
    # What a reader gets back: the extra as Airflow stores it, a JSON string.
    result: dict[str, Any] = json.loads(json.dumps(signed, sort_keys=True))
    return result


def _public(home: Path) -> str:
    return signing.ensure_signing_key(home)


def _refusal(
    home: Path, stored: dict[str, Any], conn_id: str = CONN, key: str | None = None
) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as caught:
        signing.verify(_public(home) if key is None else key, conn_id, stored)
    return caught.value


def test_the_key_is_created_once_private_and_kept(tmp_path: Path) -> None:
    public = signing.ensure_signing_key(tmp_path)
    path = signing.key_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert public.startswith("ed25519:") and len(base64.b64decode(public.removeprefix("ed25519:"))) == 32
    assert signing.ensure_signing_key(tmp_path) == public == signing.installed_public_key(tmp_path)
    assert not [p for p in path.parent.iterdir() if p != path], "no temporary file is left behind"

    path.unlink()  # rotation: delete the key, the next start makes a new one
    assert signing.installed_public_key(tmp_path) is None
    assert signing.ensure_signing_key(tmp_path) != public


def test_a_missing_or_foreign_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(signing.SigningKeyError, match="restart `wfo up`"):
        signing.load_private_key(tmp_path)
    signing.key_path(tmp_path).parent.mkdir()
    signing.key_path(tmp_path).write_text("not a key")
    with pytest.raises(signing.SigningKeyError, match="not an Ed25519 private key"):
        signing.load_private_key(tmp_path)


def test_the_canonical_form_is_sorted_compact_ascii_and_names_the_connection() -> None:
    text = signing.canonical("wfo_config_groups", {"b": 1, "a": ["\u00e9", None]})
    assert text == b'{"conn_id":"wfo_config_groups","content":{"a":["\\u00e9",null],"b":1},"wfo_signed":1}'
    # Key order of the input does not matter; the connection id does.
    assert signing.canonical("x", {"a": 1, "b": 2}) == signing.canonical("x", {"b": 2, "a": 1})
    assert signing.canonical("x", {"a": 1}) != signing.canonical("y", {"a": 1})


def test_a_signed_snapshot_verifies_and_comes_back_without_its_signature(home: Path) -> None:
    stored = _signed(home)
    assert stored["signature"]["version"] == 1 and stored["name"] == "default"
    assert signing.verify(_public(home), CONN, stored) == SNAPSHOT


def test_unsigned_content_is_refused(home: Path) -> None:
    assert _refusal(home, dict(SNAPSHOT)).problem == "unsigned"
    assert _refusal(home, {**SNAPSHOT, "signature": "AAAA"}).problem == "unsigned"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s["spark"]["confs"].__setitem__("spark.driver.extraJavaOptions", "-javaagent:/tmp/x.jar"),
        lambda s: s["spark"]["arguments"].__setitem__("master", "local[2]"),
        lambda s: s.__setitem__("is_default", True),
        lambda s: s.pop("keytabs"),
    ],
    ids=["added-conf", "changed-value", "added-field", "removed-field"],
)
def test_any_change_to_the_content_is_refused(home: Path, tamper: Any) -> None:
    stored = _signed(home)
    tamper(stored)
    refusal = _refusal(home, stored)
    assert refusal.problem == "altered" and "changed outside wfo" in str(refusal)


def test_one_altered_byte_of_the_stored_extra_is_refused(home: Path) -> None:
    text = json.dumps(_signed(home), sort_keys=True)
    position = text.index("2g") + 1
    altered = json.loads(text[:position] + "G" + text[position + 1 :])
    assert _refusal(home, altered).problem == "altered"

    signature = bytearray(base64.b64decode(_signed(home)["signature"]["value"]))
    signature[0] ^= 1
    stored = _signed(home)
    stored["signature"]["value"] = base64.b64encode(bytes(signature)).decode()
    assert _refusal(home, stored).problem == "altered"


def test_a_snapshot_signed_for_another_group_is_refused(home: Path) -> None:
    other = _signed(home, {**SNAPSHOT, "name": "dev"}, conn_id="wfo_config_group_dev")
    assert signing.verify(_public(home), "wfo_config_group_dev", other)["name"] == "dev"
    assert _refusal(home, other, conn_id=CONN).problem == "altered"


def test_a_signature_of_another_key_is_refused_and_named(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("other-instance")
    signing.ensure_signing_key(elsewhere)
    foreign = _signed(elsewhere)
    refusal = _refusal(home, foreign)
    assert refusal.problem == "other-key"
    assert foreign["signature"]["key_id"] in str(refusal) and "WFO_SIGNING_PUBLIC_KEY" in str(refusal)
    # The signer's key id is not trusted either: lying about it changes the message, not the outcome.
    foreign["signature"]["key_id"] = _signed(home)["signature"]["key_id"]
    assert _refusal(home, foreign).problem == "altered"


@pytest.mark.parametrize(
    ("key", "problem"),
    [("", "no-public-key"), ("ed25519:AAAA", "bad-public-key"), ("rsa:" + "A" * 44, "bad-public-key")],
)
def test_a_worker_without_a_usable_public_key_refuses(home: Path, key: str, problem: str) -> None:
    refusal = _refusal(home, _signed(home), key=key)
    assert refusal.problem == problem and "wfo env" in str(refusal)


def test_signing_refuses_content_that_already_has_a_signature_field(home: Path) -> None:
    with pytest.raises(ValueError, match="signature"):
        signing.sign(signing.load_private_key(home), CONN, {"signature": "x"})


def test_the_task_side_modules_do_not_import_cryptography() -> None:
    probe = (
        "import sys, wfo.operators, wfo.clusters.published, wfo.clusters.signing; "
        "print('cryptography' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
