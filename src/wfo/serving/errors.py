"""Errors of the model server; each carries the HTTP status it answers with (`wfo.errors`)."""

from __future__ import annotations

from wfo.errors import InvalidInput, NotFound, TooLarge, Unavailable, WfoError


class ServingError(WfoError):
    """Base class (422 unless a subclass says otherwise)."""


class ModelNotServedError(ServingError, NotFound):
    """No model of that name (or version) is being served."""


class ModelNotReadyError(ServingError, Unavailable):
    """The model is still loading, or its load failed (the message says why)."""


class BadInferenceInput(ServingError, InvalidInput):
    """The request's inputs do not fit the model (names, shapes, types, missing fields)."""


class BodyTooLarge(ServingError, TooLarge):
    """The request body exceeds the server's limit."""


class Unauthorized(ServingError):
    """No valid Airflow token or API key for this model."""

    status = 401


class Forbidden(ServingError):
    """The route needs an Airflow token (a model's API key opens only that model's routes)."""

    status = 403
