"""Encrypt and decrypt stored secrets (keytabs, Livy passwords) with Airflow's Fernet key.

Airflow stores values unencrypted when `[core] fernet_key` is empty (`get_fernet()` then returns a
"null" Fernet); for our secrets that is refused instead, so a keytab never lands in the DB in clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfo.clusters.errors import ConfigGroupError
from wfo.errors import ServerFault

if TYPE_CHECKING:
    from airflow.models.crypto import FernetProtocol


class SecretsError(ConfigGroupError, ServerFault):
    """Secrets cannot be stored or read: no or an invalid Fernet key, or a token from another key.

    The platform's setup is wrong, not the request (500); the message says what to fix.
    """


def _fernet() -> FernetProtocol:
    from airflow.models.crypto import get_fernet
    from airflow.sdk.exceptions import AirflowException

    try:
        fernet = get_fernet()
    except AirflowException as exc:
        raise SecretsError(f"Airflow's [core] fernet_key cannot be used: {exc}") from None
    if not fernet.is_encrypted:
        raise SecretsError(
            "Airflow's [core] fernet_key is not set, so secrets (keytabs, passwords) cannot be stored "
            "encrypted; set it (wfo up generates one in $WFO_HOME/airflow.cfg) and try again"
        )
    return fernet


def encrypt(data: bytes) -> bytes:
    """A Fernet token for `data` (URL-safe base64 bytes, safe to store as text)."""
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    """The plain bytes of a token made by `encrypt`; `SecretsError` if the key does not match."""
    from cryptography.fernet import InvalidToken

    fernet = _fernet()
    try:
        return fernet.decrypt(token)
    except InvalidToken:
        raise SecretsError(
            "a stored secret cannot be decrypted: it was encrypted with another Fernet key "
            "(was [core] fernet_key changed without keeping the old key?)"
        ) from None
