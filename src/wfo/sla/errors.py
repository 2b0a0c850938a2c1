"""Domain errors of the SLA misses (`wfo.errors`: each carries its HTTP status)."""

from __future__ import annotations

from wfo.errors import BadRequest, NotFound, WfoError


class SlaError(WfoError):
    """Base class: a request about SLA misses was refused."""


class SlaMissNotFound(SlaError, NotFound):
    """No such miss, or one of a DAG the caller may not read (same answer: its existence does not leak)."""

    @classmethod
    def of(cls, miss_id: int) -> SlaMissNotFound:
        return cls(f"there is no SLA miss {miss_id}")


class BadSlaFilter(SlaError, BadRequest):
    """A filter that can never match (a time range that ends before it starts)."""
