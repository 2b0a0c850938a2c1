"""The code-brick library of the DAG editor: titled snippets a developer inserts at the cursor.

wfo ships a set of bricks (`shipped_bricks/*.py`, one file each: a comment header with the title,
description and tags, then the code). The init step seeds them idempotently: a missing shipped brick is
added, an untouched one follows the shipped code of a newer wfo, and one a user edited (or deleted) is left
alone. A brick is code that is inserted into a DAG file after the `dag = DAG(...)` line (it uses `dag` and
`appName`), so every brick must be valid Python on its own.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wfo.dagfiles.schemas import CodeBrickInput, CodeBrickPublic
from wfo.db.models import CodeBrick, Setting
from wfo.errors import Conflict, InvalidInput, NotFound, WfoError
from wfo.storage.names import invisible_character

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped_bricks"
MAX_TITLE = 200
MAX_DESCRIPTION = 4_000
MAX_CODE = 64 * 1024
MAX_TAGS = 20
MAX_TAG = 40
# Titles of shipped bricks a user deleted: not seeded again.
DELETED_SHIPPED_KEY = "code_bricks.deleted_shipped"


class BrickError(WfoError):
    """Base of the code-brick errors (the message is shown to the user)."""


class BrickNotFound(BrickError, NotFound):
    pass


class BrickConflict(BrickError, Conflict):
    pass


class BrickInvalid(BrickError, InvalidInput):
    pass


@dataclass(frozen=True)
class ShippedBrick:
    title: str
    description: str
    tags: list[str]
    code: str


def parse_shipped(text: str, source: str) -> ShippedBrick:
    """Read a shipped brick file: `# title:`, `# description:` (may repeat), `# tags:` lines, then code."""
    fields: dict[str, list[str]] = {"title": [], "description": [], "tags": []}
    lines = text.splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        key, sep, value = line.removeprefix("#").partition(":")
        if line.startswith("#") and sep and key.strip() in fields:
            fields[key.strip()].append(value.strip())
            body_start = index + 1
            continue
        break
    title = " ".join(fields["title"]).strip()
    if not title:
        raise BrickInvalid(f"{source}: a shipped brick needs a '# title:' line")
    tags = [t.strip() for t in ",".join(fields["tags"]).split(",") if t.strip()]
    code = "\n".join(lines[body_start:]).strip("\n") + "\n"
    return ShippedBrick(title, " ".join(fields["description"]).strip(), tags, code)


def shipped_bricks() -> list[ShippedBrick]:
    return [parse_shipped(p.read_text("utf-8"), p.name) for p in sorted(SHIPPED_DIR.glob("*.py"))]


def clean_input(data: CodeBrickInput) -> CodeBrickInput:
    """Normalise and check a brick; raises BrickInvalid with a message naming the field."""
    title = " ".join(data.title.split())
    if not title:
        raise BrickInvalid("title: must not be empty")
    # Titles are unique names: "Spark" and "Spark" plus a zero-width space must not be two bricks.
    invisible = invisible_character(title)
    if invisible is not None:
        raise BrickInvalid(f"title: must not contain {invisible}")
    if len(title) > MAX_TITLE:
        raise BrickInvalid(f"title: at most {MAX_TITLE} characters")
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise BrickInvalid(f"description: at most {MAX_DESCRIPTION} characters")
    code = data.code.replace("\r\n", "\n")
    if not code.strip():
        raise BrickInvalid("code: must not be empty")
    if len(code.encode("utf-8")) > MAX_CODE:
        raise BrickInvalid(f"code: at most {MAX_CODE // 1024} KiB")
    try:
        ast.parse(code, filename="brick.py")
    except SyntaxError as exc:
        raise BrickInvalid(f"code: line {exc.lineno}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deep nesting (`-` * 60 000) this way; 64 KiB bound its cost.
        raise BrickInvalid("code: nested too deeply to be parsed") from None
    except ValueError as exc:  # NUL bytes
        raise BrickInvalid(f"code: {exc}") from None
    tags: list[str] = []
    for tag in data.tags:
        tag = tag.strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG or "," in tag or invisible_character(tag) is not None:
            raise BrickInvalid(
                f"tags: {tag[:50]!r} is not a tag (at most {MAX_TAG} characters, no commas, "
                "no invisible characters)"
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BrickInvalid(f"tags: at most {MAX_TAGS}")
    return CodeBrickInput(title=title, description=description, code=code, tags=tags)


def tag_list(brick: CodeBrick) -> list[str]:
    return [t for t in (brick.tags or "").split(",") if t]


def public(brick: CodeBrick) -> CodeBrickPublic:
    return CodeBrickPublic(
        id=brick.id,
        title=brick.title,
        description=brick.description or "",
        code=brick.code,
        tags=tag_list(brick),
        shipped=bool(brick.shipped),
        updated_at=brick.updated_at,
        updated_by=brick.updated_by,
    )


def list_bricks(session: Session, query: str | None = None) -> list[CodeBrickPublic]:
    """All bricks by title; `query` keeps those whose title, description or tags contain every word."""
    bricks = list(session.scalars(select(CodeBrick).order_by(CodeBrick.title)))
    words = (query or "").lower().split()

    def matches(brick: CodeBrick) -> bool:
        haystack = " ".join((brick.title, brick.description or "", brick.tags or "")).lower()
        return all(word in haystack for word in words)

    return [public(b) for b in bricks if matches(b)]


def get_brick(session: Session, brick_id: int) -> CodeBrick:
    brick = session.get(CodeBrick, brick_id)
    if brick is None:
        raise BrickNotFound(f"no code brick with id {brick_id}")
    return brick


def _check_title_free(session: Session, title: str, own_id: int | None = None) -> None:
    other = session.scalar(select(CodeBrick).where(CodeBrick.title == title))
    if other is not None and other.id != own_id:
        raise BrickConflict(f"a code brick titled {title!r} exists already")


def create_brick(session: Session, data: CodeBrickInput, username: str | None) -> CodeBrickPublic:
    data = clean_input(data)
    _check_title_free(session, data.title)
    now = dt.datetime.now(dt.UTC)
    brick = CodeBrick(
        title=data.title,
        description=data.description,
        code=data.code,
        tags=",".join(data.tags),
        shipped=False,
        created_at=now,
        updated_at=now,
        updated_by=username,
    )
    _flush_unique(session, data.title, lambda: session.add(brick))
    return public(brick)


def _flush_unique(session: Session, title: str, change: Callable[[], object]) -> None:
    """Apply `change` and flush it: a title taken meanwhile is a `BrickConflict`.

    Two requests can both find a title free and then both insert it; the database's unique key
    decides. The loser's transaction is rolled back whole (it only read before): on SQLite it holds
    the write lock until it ends, and the refusal's audit record needs that lock.
    """
    try:
        change()
        session.flush()
    except IntegrityError:
        session.rollback()
        raise BrickConflict(f"a code brick titled {title!r} exists already") from None


def update_brick(
    session: Session, brick_id: int, data: CodeBrickInput, username: str | None
) -> CodeBrickPublic:
    brick = get_brick(session, brick_id)
    data = clean_input(data)
    _check_title_free(session, data.title, brick.id)

    def change() -> None:
        brick.title, brick.description, brick.code = data.title, data.description, data.code
        brick.tags = ",".join(data.tags)
        # Edited: a newer wfo no longer replaces it with the shipped version.
        brick.shipped = False
        brick.updated_at = dt.datetime.now(dt.UTC)
        brick.updated_by = username

    _flush_unique(session, data.title, change)
    return public(brick)


def _deleted_shipped(session: Session) -> list[str]:
    import json

    row = session.get(Setting, DELETED_SHIPPED_KEY)
    titles: list[str] = json.loads(row.value) if row else []
    return titles


def delete_brick(session: Session, brick_id: int) -> CodeBrickPublic:
    import json

    brick = get_brick(session, brick_id)
    if brick.title in {b.title for b in shipped_bricks()}:
        deleted = sorted({*_deleted_shipped(session), brick.title})
        row = session.get(Setting, DELETED_SHIPPED_KEY)
        if row is None:
            row = Setting(key=DELETED_SHIPPED_KEY, value="[]")
            session.add(row)
        row.value = json.dumps(deleted)
        row.updated_by = "wfo"
    gone = public(brick)
    session.delete(brick)
    session.flush()
    return gone


def seed_shipped(session: Session) -> dict[str, list[str]]:
    """Add missing shipped bricks, refresh untouched ones; user-edited and user-deleted ones stay as they are."""
    deleted = set(_deleted_shipped(session))
    existing = {b.title: b for b in session.scalars(select(CodeBrick))}
    added: list[str] = []
    refreshed: list[str] = []
    now = dt.datetime.now(dt.UTC)
    for shipped in shipped_bricks():
        current = existing.get(shipped.title)
        tags = ",".join(shipped.tags)
        if current is None:
            if shipped.title in deleted:
                continue
            session.add(
                CodeBrick(
                    title=shipped.title,
                    description=shipped.description,
                    code=shipped.code,
                    tags=tags,
                    shipped=True,
                    created_at=now,
                    updated_at=now,
                    updated_by="wfo",
                )
            )
            added.append(shipped.title)
        elif current.shipped and (current.code, current.description, current.tags) != (
            shipped.code,
            shipped.description,
            tags,
        ):
            current.code, current.description, current.tags = shipped.code, shipped.description, tags
            current.updated_at = now
            refreshed.append(shipped.title)
    session.flush()
    return {"added": added, "refreshed": refreshed}
