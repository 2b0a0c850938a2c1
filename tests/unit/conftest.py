"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from wfo.db.models import metadata


@pytest.fixture
def session() -> Iterator[Session]:
    """A session on a fresh in-memory SQLite database holding every wfo table."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()
