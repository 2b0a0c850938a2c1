"""Who may call a serving route: an Airflow JWT, a model's own API key, or anyone for a public model.

Airflow's tokens are checked as the api-server checks them: signature, expiry and audience with the
same `[api_auth]` settings (`JWTValidator`), and the token's id against Airflow's revoked tokens (a
logged-out token stops working; the answer is cached for a few seconds). Valid tokens are cached by
their digest until they expire, so a busy client costs one dictionary lookup per request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wfo.repositories.models import KEY_PREFIX, ModelAccess
from wfo.serving.errors import Forbidden, Unauthorized

_REVOCATION_RECHECK_SECONDS = 10.0
log = logging.getLogger(__name__)


class TokenChecker:
    def __init__(self) -> None:
        self._validator: Any = None
        self._valid: dict[str, tuple[float, float, str | None]] = {}  # digest -> (exp, checked at, jti)
        self._lock = threading.Lock()
        self._checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="token-check")

    def _get_validator(self) -> Any:
        if self._validator is None:
            from airflow.api_fastapi.auth.managers.base_auth_manager import BaseAuthManager
            from airflow.api_fastapi.auth.tokens import JWTValidator, get_sig_validation_args
            from airflow.configuration import conf

            self._validator = JWTValidator(
                **get_sig_validation_args(make_secret_key_if_needed=False),
                leeway=conf.getint("api_auth", "jwt_leeway"),
                audience=BaseAuthManager._get_jwt_audience(),
            )
        return self._validator

    def valid(self, token: str) -> bool:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.time()
        cached = self._valid.get(digest)
        if cached is not None and cached[0] > now:
            if now - cached[1] < _REVOCATION_RECHECK_SECONDS:
                return True
            if _revoked(cached[2]):
                self._valid.pop(digest, None)
                return False
            self._valid[digest] = (cached[0], now, cached[2])
            return True
        try:
            # `validated_claims` runs a coroutine with async_to_sync, which refuses a thread with a running
            # event loop (the async routes): it runs in a thread of its own, once per token (then cached).
            claims = self._checks.submit(self._get_validator().validated_claims, token).result(timeout=30)
        except Exception as exc:  # noqa: BLE001 - jwt.InvalidTokenError and its kin: not a valid Airflow token
            log.info("a Bearer token was refused: %s", exc)
            return False
        jti = claims.get("jti")
        if _revoked(jti):
            return False
        with self._lock:
            if len(self._valid) > 10_000:
                self._valid = {k: v for k, v in self._valid.items() if v[0] > now}
            self._valid[digest] = (float(claims.get("exp", now + 60)), now, jti)
        return True


def _revoked(jti: str | None) -> bool:
    if not jti:
        return False
    try:
        from airflow.models.revoked_token import RevokedToken

        return bool(RevokedToken.is_revoked(jti))
    except Exception:  # noqa: BLE001 - no metadata DB reachable from this replica: signature and expiry still apply
        return False


def bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_model_access(checker: TokenChecker, authorization: str | None, access: ModelAccess | None) -> None:
    """Allow an Airflow token, one of the model's keys, or anyone when the model is public."""
    if access is not None and access.public:
        return
    token = bearer(authorization)
    if token is None:
        raise Unauthorized("send Authorization: Bearer <an Airflow token or this model's API key>")
    if token.startswith(KEY_PREFIX):
        if access is not None and access.accepts(token):
            return
        raise Unauthorized("the API key is not valid for this model")
    if not checker.valid(token):
        raise Unauthorized("the token is not a valid Airflow token (expired, revoked or foreign)")


def check_airflow_token(checker: TokenChecker, authorization: str | None) -> None:
    """Routes that span models (lists, states) take Airflow tokens only."""
    token = bearer(authorization)
    if token is None:
        raise Unauthorized("send Authorization: Bearer <an Airflow token>")
    if token.startswith(KEY_PREFIX):
        raise Forbidden("a model's API key opens only that model's routes")
    if not checker.valid(token):
        raise Unauthorized("the token is not a valid Airflow token (expired, revoked or foreign)")
