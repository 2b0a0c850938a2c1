"""`description=`, which every operator of the manual's platform accepted: the task's documentation."""

from __future__ import annotations

from typing import Any


def with_description(kwargs: dict[str, Any], description: str | None) -> dict[str, Any]:
    """BaseOperator keyword arguments with `description` shown as the task's `doc_md` (unless one is given)."""
    if description and "doc_md" not in kwargs:
        kwargs["doc_md"] = description
    return kwargs
