"""Diffs of the git actions: notebooks cell by cell with nbdime, other text files as unified diffs.

A notebook's JSON changes in many lines for one edited cell (outputs, execution counts, ids); nbdime diffs
the notebook structure instead and prints what changed per cell ("modified /cells/2/source"), which is
what the Notebooks page shows. A side that is not a readable notebook falls back to a text diff.
"""

from __future__ import annotations

import difflib
import io
import json
import re

from wfo.hub.schemas import GitFileDiff

MAX_DIFF_BYTES = 20 * 1024 * 1024
# Stands for a version larger than MAX_DIFF_BYTES, which is never read.
TOO_LARGE = b"\0wfo: too large to show\0"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def file_diff(path: str, before: bytes | None, after: bytes | None) -> GitFileDiff:
    """The diff of one file between two versions (None: the file does not exist on that side)."""
    if TOO_LARGE in (before, after) or len(before or b"") + len(after or b"") > MAX_DIFF_BYTES:
        return GitFileDiff(path=path, kind="binary", diff=f"{path}: too large to show here")
    old, new = _text(before), _text(after)
    if old is None or new is None:
        return GitFileDiff(path=path, kind="binary", diff=f"Binary file {path} changed")
    if path.endswith(".ipynb"):
        shown = notebook_diff(old, new)
        if shown is not None:
            return GitFileDiff(path=path, kind="notebook", diff=shown)
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}" if before is not None else "/dev/null",
        tofile=f"b/{path}" if after is not None else "/dev/null",
    )
    return GitFileDiff(path=path, kind="text", diff="".join(lines))


def _text(data: bytes | None) -> str | None:
    if data is None:
        return ""
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def notebook_diff(old: str, new: str) -> str | None:
    """nbdime's cell-by-cell diff of two notebooks (an empty side is an empty notebook); None when a side
    is not a notebook."""
    import nbformat
    from nbdime import diff_notebooks
    from nbdime.prettyprint import PrettyPrintConfig, pretty_print_diff

    try:
        before = nbformat.reads(old or _EMPTY, as_version=4)  # type: ignore[no-untyped-call]
        after = nbformat.reads(new or _EMPTY, as_version=4)  # type: ignore[no-untyped-call]
    except (ValueError, json.JSONDecodeError, nbformat.reader.NotJSONError):
        return None
    out = io.StringIO()
    pretty_print_diff(before, diff_notebooks(before, after), "", PrettyPrintConfig(out=out))
    return _ANSI.sub("", out.getvalue())


_EMPTY = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
