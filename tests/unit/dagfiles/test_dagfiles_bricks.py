"""The code-brick library: validation, search, and seeding that never overrides a user's choice."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from wfo.dagfiles import bricks
from wfo.dagfiles.schemas import CodeBrickInput
from wfo.db.models import CodeBrick


def _brick(
    title: str = "say hello",
    code: str = "print('hello')\n",
    tags: list[str] | None = None,
    description: str = "prints hello",
) -> CodeBrickInput:
    return CodeBrickInput(
        title=title, description=description, code=code, tags=tags or ["Python", " python ", "demo"]
    )


def test_shipped_bricks_cover_every_wfo_operator() -> None:
    from wfo.operators import OPERATOR_NAMES

    shipped = bricks.shipped_bricks()
    assert len(shipped) >= 12
    assert len({b.title for b in shipped}) == len(shipped)
    code = "\n".join(b.code for b in shipped)
    missing = [name for name in OPERATOR_NAMES if f"import {name}" not in code and f", {name}" not in code]
    assert missing == []
    for brick in shipped:
        assert brick.description, brick.title
        assert brick.tags, brick.title
        assert not brick.code.startswith("#"), f"{brick.title}: header parsed into the code"


def test_create_normalises_and_search_finds_by_title_description_and_tag(session: Session) -> None:
    brick = bricks.create_brick(session, _brick(title="  say   hello "), "dev")
    bricks.create_brick(session, _brick(title="other", tags=["spark"], description="a job"), "dev")
    assert brick.title == "say hello"
    assert brick.tags == ["python", "demo"]
    assert [b.title for b in bricks.list_bricks(session, "HELLO")] == ["say hello"]
    assert [b.title for b in bricks.list_bricks(session, "spark")] == ["other"]
    assert [b.title for b in bricks.list_bricks(session, "prints demo")] == ["say hello"]
    assert len(bricks.list_bricks(session, None)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_brick(title=" "), "title: must not be empty"),
        (_brick(code="   \n"), "code: must not be empty"),
        (_brick(code="def broken(:\n    pass\n"), "code: line 1"),
        (_brick(tags=["a,b"]), "tags:"),
        (_brick(code="x = " + "-" * 60_000 + "1\n"), "code: nested too deeply"),
        (_brick(code="x = " + "+".join(["1"] * 30_000) + "\n"), "code: nested too deeply"),
        (_brick(code="x = 1\x00\n"), "code: "),
        (_brick(title="say\u200bhello"), r"title: must not contain the invisible formatting .* U\+200B"),
        (_brick(title="\ufeffsay hello"), r"title: must not contain the invisible formatting .* U\+FEFF"),
        (_brick(tags=["spark\u2060"]), "no invisible characters"),
    ],
)
def test_invalid_bricks_are_refused_and_nothing_is_stored(
    session: Session, data: CodeBrickInput, message: str
) -> None:
    with pytest.raises(bricks.BrickInvalid, match=message):
        bricks.create_brick(session, data, "dev")
    assert session.scalars(select(CodeBrick)).all() == []


def test_titles_are_unique(session: Session) -> None:
    first = bricks.create_brick(session, _brick(), "dev")
    with pytest.raises(bricks.BrickConflict):
        bricks.create_brick(session, _brick(), "dev")
    second = bricks.create_brick(session, _brick(title="second"), "dev")
    with pytest.raises(bricks.BrickConflict):
        bricks.update_brick(session, second.id, _brick(), "dev")
    assert bricks.update_brick(session, first.id, _brick(code="print(1)\n"), "ops").updated_by == "ops"


def test_a_title_taken_between_check_and_insert_is_a_conflict_and_the_session_stays_usable(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests both find the title free; the unique key decides and the loser gets BrickConflict."""
    bricks.create_brick(session, _brick(), "dev")
    other = bricks.create_brick(session, _brick(title="other"), "dev")
    session.commit()  # by other requests
    # The other request's check ran before this one's insert: skip the check to replay that order.
    monkeypatch.setattr(bricks, "_check_title_free", lambda *args, **kwargs: None)
    with pytest.raises(bricks.BrickConflict, match="exists already"):
        bricks.create_brick(session, _brick(), "dev")
    with pytest.raises(bricks.BrickConflict, match="exists already"):
        bricks.update_brick(session, other.id, _brick(), "dev")
    # Nothing half-done is left, and the session still works.
    session.commit()
    assert sorted(session.scalars(select(CodeBrick.title))) == ["other", "say hello"]


def test_seeding_adds_missing_keeps_edits_and_respects_deletions(session: Session) -> None:
    shipped = bricks.shipped_bricks()
    assert len(bricks.seed_shipped(session)["added"]) == len(shipped)
    assert bricks.seed_shipped(session) == {"added": [], "refreshed": []}

    edited, deleted, outdated = (
        session.scalar(select(CodeBrick).where(CodeBrick.title == b.title)) for b in shipped[:3]
    )
    assert edited is not None and deleted is not None and outdated is not None
    bricks.update_brick(
        session, edited.id, CodeBrickInput(title=edited.title, description="mine", code="x = 1\n", tags=["mine"]), "dev"
    )
    bricks.delete_brick(session, deleted.id)
    outdated.code = "old = True\n"  # as an older wfo shipped it
    session.flush()

    result = bricks.seed_shipped(session)
    assert result == {"added": [], "refreshed": [outdated.title]}
    assert session.get(CodeBrick, edited.id).code == "x = 1\n"  # type: ignore[union-attr]
    assert session.scalar(select(CodeBrick).where(CodeBrick.title == deleted.title)) is None
    assert outdated.code == shipped[2].code
