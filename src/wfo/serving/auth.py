"""Who may call a serving route: an Airflow JWT, a model's own API key, or anyone for a public model.

Airflow's tokens are checked as the api-server checks them: signature, expiry and audience with the
same `[api_auth]` settings (`JWTValidator`); then, in the metadata DB, the token's id against Airflow's
revoked tokens (a logged-out token stops working) and its account: active, and holding `can_read` on
the models resource through one of its roles (a Public user, a deactivated one, or one whose role lost
the grant is refused). Those answers are cached for a few seconds. Valid tokens are cached by their
digest until they expire, so a busy client costs one dictionary lookup per request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wfo.auth import roles
from wfo.repositories.models import KEY_PREFIX, ModelAccess
from wfo.serving.errors import Forbidden, Unauthorized

_RECHECK_SECONDS = 10.0
# The metadata DB's word on a token's account, as of the last check.
ALLOWED, REFUSED_ACCOUNT, REVOKED = "allowed", "account", "revoked"
log = logging.getLogger(__name__)


class TokenChecker:
    def __init__(self) -> None:
        self._validator: Any = None
        # digest -> (exp, checked at, jti, sub)
        self._valid: dict[str, tuple[float, float, str | None, str | None]] = {}
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

    def verdict(self, token: str) -> str | None:
        """None for a token that is not a valid Airflow token, else ALLOWED or why its account is not."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.time()
        cached = self._valid.get(digest)
        if cached is not None and cached[0] > now:
            if now - cached[1] < _RECHECK_SECONDS:
                return ALLOWED
            answer = account_verdict(cached[2], cached[3])
            if answer != ALLOWED:
                self._valid.pop(digest, None)
                return answer
            self._valid[digest] = (cached[0], now, cached[2], cached[3])
            return ALLOWED
        try:
            # `validated_claims` runs a coroutine with async_to_sync, which refuses a thread with a running
            # event loop (the async routes): it runs in a thread of its own, once per token (then cached).
            claims = self._checks.submit(self._get_validator().validated_claims, token).result(timeout=30)
        except Exception as exc:  # noqa: BLE001 - jwt.InvalidTokenError and its kin: not a valid Airflow token
            log.info("a Bearer token was refused: %s", exc)
            return None
        jti, sub = claims.get("jti"), claims.get("sub")
        subject = None if sub is None else str(sub)
        answer = account_verdict(jti, subject)
        if answer != ALLOWED:
            return answer
        with self._lock:
            if len(self._valid) > 10_000:
                self._valid = {k: v for k, v in self._valid.items() if v[0] > now}
            self._valid[digest] = (float(claims.get("exp", now + 60)), now, jti, subject)
        return ALLOWED


def account_verdict(jti: str | None, sub: str | None) -> str:
    """The metadata DB's word on a token whose signature and expiry are valid: REVOKED, REFUSED_ACCOUNT
    (unknown or inactive account, or no role of it reads models) or ALLOWED. Without a reachable DB (a
    replica given only the signing settings), signature and expiry alone apply, as documented."""
    try:
        from airflow.models.revoked_token import RevokedToken
        from airflow.providers.fab.auth_manager.models import Action, Permission, Resource, Role, User
        from airflow.utils.session import create_session
        from sqlalchemy import select

        if jti and RevokedToken.is_revoked(jti):
            return REVOKED
        if sub is None or not sub.isdigit():
            return REFUSED_ACCOUNT
        granted = (
            select(User.id)
            .join(User.roles)
            .join(Role.permissions)
            .join(Permission.action)
            .join(Permission.resource)
            .where(
                User.id == int(sub),
                User.active.is_(True),
                Action.name == roles.CAN_READ,
                Resource.name == roles.MODELS,
            )
            .limit(1)
        )
        with create_session(scoped=False) as session:
            return ALLOWED if session.scalar(granted) is not None else REFUSED_ACCOUNT
    except Exception as exc:  # noqa: BLE001 - no metadata DB reachable from this replica
        log.warning("a token's account could not be checked (%s): its signature and expiry apply", exc)
        return ALLOWED


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
    _check_account(checker, token)


def check_airflow_token(checker: TokenChecker, authorization: str | None) -> None:
    """Routes that span models (lists, states) take Airflow tokens only."""
    token = bearer(authorization)
    if token is None:
        raise Unauthorized("send Authorization: Bearer <an Airflow token>")
    if token.startswith(KEY_PREFIX):
        raise Forbidden("a model's API key opens only that model's routes")
    _check_account(checker, token)


def _check_account(checker: TokenChecker, token: str) -> None:
    answer = checker.verdict(token)
    if answer is None or answer == REVOKED:
        raise Unauthorized("the token is not a valid Airflow token (expired, revoked or foreign)")
    if answer == REFUSED_ACCOUNT:
        raise Forbidden("the token's account may not use models (inactive, or no role of it reads models)")
