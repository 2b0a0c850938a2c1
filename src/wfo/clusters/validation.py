"""Validation helpers of the config-group models: messages in our words, errors as `setting: message`.

Request models check single values; their messages say what is wrong and the error's `loc` names the
setting (the API answers FastAPI's usual 422 list). An import and the services read the same errors as
`{setting: message}` through `problems`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def rule(check: Callable[[Any], T]) -> Callable[[Any], T]:
    """A validator from a check that raises ValueError with a message (shown without pydantic's prefix)."""

    def validate(value: Any) -> T:
        try:
            return check(value)
        except ValueError as exc:
            raise PydanticCustomError("wfo_setting", "{reason}", {"reason": str(exc)}) from None

    return validate


class Closed(BaseModel):
    """Settings that refuse keys they do not know (a typo must not be dropped silently)."""

    model_config = ConfigDict(extra="forbid")


def problems(exc: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """`{setting: message}` of a validation error of `model`: `dask.yarn.n_workers`, `python_environments['tf']`
    ("" for the whole object)."""
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path, holder = _walk(model, error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            known = ", ".join(n for n, f in holder.model_fields.items() if not f.exclude) if holder else ""
            message = f"is not a known setting{f' (known: {known})' if known else ''}"
        found[path] = f"{found[path]}; {message}" if path in found else message
    return found


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _inner(annotation: Any) -> Any:
    """The model or dict type inside `X | None`."""
    for arg in get_args(annotation) or (annotation,):
        if get_origin(arg) is dict or _is_model(arg):
            return arg
    return annotation


def _walk(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, type[BaseModel] | None]:
    """The readable path of an error's `loc` in `model`, and the model whose key its last part is."""
    path, holder = "", None
    kind: Any = model
    for part in loc:
        if part == "[key]":
            continue
        if _is_model(kind) and part in kind.model_fields:
            holder, kind = kind, _inner(kind.model_fields[str(part)].annotation)
            path = f"{path}.{part}" if path else str(part)
        elif get_origin(kind) is dict:
            holder, kind = None, get_args(kind)[1]
            path = f"{path}[{part!r}]"
        else:
            holder, kind = (kind if _is_model(kind) else None), None
            path = f"{path}.{part}" if path else str(part)
    return path, holder


def summary(found: dict[str, str]) -> str:
    """`problems` as one line: `dask.local_workers: must be ...; python.url: ...`."""
    return "; ".join(f"{path}: {message}" if path else message for path, message in found.items())


