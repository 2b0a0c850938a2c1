"""Secrets are encrypted with Airflow's Fernet key, and refused when there is no usable key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from wfo.clusters.secrets import SecretsError, decrypt, encrypt


@pytest.fixture(autouse=True)
def _fresh_fernet() -> Iterator[None]:
    # Airflow caches the Fernet object for the life of the process.
    from airflow.models.crypto import get_fernet

    get_fernet.cache_clear()
    yield
    get_fernet.cache_clear()


def test_round_trip_with_the_configured_key(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", key)
    keytab = b"\x05\x02" + bytes(range(256))

    token = encrypt(keytab)

    assert keytab not in token
    assert Fernet(key.encode()).decrypt(token) == keytab  # really Airflow's key, readable by Airflow
    assert decrypt(token) == keytab


def test_rotated_keys_still_decrypt_old_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", old)
    token = encrypt(b"password")
    from airflow.models.crypto import get_fernet

    get_fernet.cache_clear()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", f"{new},{old}")
    assert decrypt(token) == b"password"


def test_no_fernet_key_refuses_to_store_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", "")
    with pytest.raises(SecretsError, match=r"\[core\] fernet_key is not set"):
        encrypt(b"secret")
    with pytest.raises(SecretsError, match=r"\[core\] fernet_key is not set"):
        decrypt(b"gAAAAA")


def test_invalid_fernet_key_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", "not-a-key")
    with pytest.raises(SecretsError, match=r"\[core\] fernet_key cannot be used"):
        encrypt(b"secret")


def test_token_from_another_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", Fernet.generate_key().decode())
    foreign = Fernet(Fernet.generate_key()).encrypt(b"secret")
    with pytest.raises(SecretsError, match="encrypted with another Fernet key"):
        decrypt(foreign)
    with pytest.raises(SecretsError, match="encrypted with another Fernet key"):
        decrypt(b"garbage")
