"""Helper for Python code artifacts: read the Couture payload and call the function `method_id` names.

An artifact written for the Couture operators is a plain module of functions::

    from wfo.task import run_method

    def Get_Ratings_Data(payload):
        ...

    if __name__ == "__main__":
        run_method(globals())

This module imports nothing outside the standard library, so the operators can ship it to a cluster
(`--py-files`) where wfo is not installed.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class PayloadError(ValueError):
    """The program was not started with a valid Couture payload."""


def read_payload(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """The payload: the first argument that parses as a JSON object with a `method_id`."""
    args = list(sys.argv[1:] if argv is None else argv)
    for arg in args:
        try:
            value = json.loads(arg)
        except ValueError:
            continue
        if isinstance(value, dict) and "method_id" in value:
            return value
    raise PayloadError(
        "no Couture payload found in the arguments: expected a JSON object with a 'method_id' "
        f"(got {len(args)} argument(s))"
    )


def run_method(namespace: Mapping[str, Any], argv: Sequence[str] | None = None) -> Any:
    """Call `namespace[payload['method_id']]`, with the payload if the function takes an argument."""
    payload = read_payload(argv)
    method_id = str(payload["method_id"])
    function = namespace.get(method_id)
    if not callable(function):
        available = sorted(
            name
            for name, value in namespace.items()
            if inspect.isfunction(value) and not name.startswith("_")
        )
        raise PayloadError(f"no function {method_id!r} in this artifact; functions here: {available}")
    call: Callable[..., Any] = function
    takes_payload = bool(inspect.signature(call).parameters)
    return call(payload) if takes_payload else call()
