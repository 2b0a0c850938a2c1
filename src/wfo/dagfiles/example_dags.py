"""The example DAGs shipped with wfo, as one user sees them: listed, read (read-only), copied to the DAGs folder.

The examples are a read-only bundle (`wfo-examples`, files in the package); the caller passes their
folder, so this module does not depend on where they live. Reading follows the same per-DAG access as
the DAGs folder (`wfo.dagfiles.reading`, with the examples' bundle). A copy is a new file saved through
the normal save path (validated, committed, parsed at once); its DAGs get ids of their own, because
Airflow keeps one DAG per id whatever the bundle (the copy would take the example's place otherwise).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import select

from wfo.dagfiles import reading, service
from wfo.dagfiles.errors import DagFileExists, DagFileNotFound
from wfo.dagfiles.listing import EXAMPLES_BUNDLE, ParseState
from wfo.dagfiles.reading import DagCodeAccess
from wfo.dagfiles.schemas import DagExampleCopied, DagExampleDetail, DagExamplePublic
from wfo.dagfiles.store import DagFile, DagFolder, check_name

# The bundle also holds wfo's system DAGs (`wfo_eda.py` runs the EDA reports): the platform's own, not
# examples to read and copy.
SYSTEM_DAG_PREFIX = "wfo_"


def _public(info: DagFile, state: ParseState, content: str) -> DagExamplePublic:
    return DagExamplePublic(**service.file_public(info, state).model_dump(), description=description_of(content))


def list_examples(examples: Path, access: DagCodeAccess, query: str | None = None) -> list[DagExamplePublic]:
    """The examples the user may read, with their DAG ids, parse state and what each shows.

    `query` keeps the files whose name, DAG ids or description contain it (case-insensitive).
    """
    folder = DagFolder(examples)
    needle = (query or "").lower()
    found = []
    for entry in reading.list_files(folder, access.in_bundle(EXAMPLES_BUNDLE)):
        if entry.file.name.startswith(SYSTEM_DAG_PREFIX):
            continue
        _, content = folder.read(entry.file.name)
        public = _public(entry.file, entry.state, content)
        haystack = [public.name, public.description, *public.dag_ids]
        if any(needle in text.lower() for text in haystack):
            found.append(public)
    return found


def describe_example(examples: Path, access: DagCodeAccess, name: str) -> DagExampleDetail:
    """One example with its code; `DagFileNotFound` when there is none of that name (or it is not readable)."""
    info, content, state = _read(examples, access, name)
    return DagExampleDetail(**_public(info, state, content).model_dump(), content=content)


def copy_example(
    folder: DagFolder,
    examples: Path,
    access: DagCodeAccess,
    name: str,
    author: str,
    *,
    target: str | None = None,
    message: str | None = None,
) -> DagExampleCopied:
    """Save a copy of the example `name` as the new file `target` (default: the example's name).

    `DagFileExists` when the DAGs folder has a file of that name already; the copy is validated like
    any save (`ValidationFailed`), and its DAG ids are derived from `target` (`copy_dag_ids`).
    """
    info, content, _ = _read(examples, access, name)
    target = check_name(target if target and target.strip() else info.name)
    if folder.current_revision(target) is not None:
        raise DagFileExists(
            f"{target!r} exists already in your DAGs folder: choose another name for the copy of {info.name!r}"
        )
    taken = _known_dag_ids(access)
    renamed = copy_dag_ids(dag_id_literals(content), target, taken)
    saved = service.save(
        folder,
        target,
        renamed_source(content, renamed),
        None,
        author,
        message=message or f"Copy example {info.name} to {target}",
        action="create",
        access=access,
    )
    return DagExampleCopied(**saved.model_dump(), example=info.name, renamed=renamed)


def _read(examples: Path, access: DagCodeAccess, name: str) -> tuple[DagFile, str, ParseState]:
    name = check_name(name)
    try:
        if name.startswith(SYSTEM_DAG_PREFIX):
            raise DagFileNotFound(name)
        return reading.read(DagFolder(examples), access.in_bundle(EXAMPLES_BUNDLE), name)
    except DagFileNotFound:
        # Missing and not readable answer alike (reading's rule), in the examples' words.
        raise DagFileNotFound(f"there is no example DAG {name!r}") from None


def _known_dag_ids(access: DagCodeAccess) -> set[str]:
    from airflow.models.dag import DagModel

    return set(access.session.scalars(select(DagModel.dag_id)).all())


# --- the text of an example and of its copy (shipped code only: parsed here, never user code) --------------
def description_of(content: str) -> str:
    """The first line of the module docstring ("" without one)."""
    try:
        doc = ast.get_docstring(ast.parse(content))
    except SyntaxError:
        return ""
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def _dag_id_node(call: ast.Call) -> ast.Constant | None:
    """The string constant giving a `DAG(...)` or `@dag(...)` its id: `dag_id=` or the first argument."""
    func = call.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if called not in ("DAG", "dag"):
        return None
    candidates = [kw.value for kw in call.keywords if kw.arg == "dag_id"] + call.args[:1]
    node = candidates[0] if candidates else None
    return node if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def dag_id_literals(content: str) -> list[ast.Constant]:
    """Where the file names its DAGs' ids (in the order they appear)."""
    nodes = [
        found
        for node in ast.walk(ast.parse(content))
        if isinstance(node, ast.Call) and (found := _dag_id_node(node)) is not None
    ]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def dag_id_for(name: str) -> str:
    """A DAG id from a file name (`team/my-etl.py` -> `my_etl`), as the editor's template makes one."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".py")
    dag_id = re.sub(r"[^A-Za-z0-9_.]", "_", stem)
    return dag_id or "dag"


def copy_dag_ids(literals: list[ast.Constant], target: str, taken: set[str]) -> dict[str, str]:
    """Example DAG id -> the copy's: named after the file (one DAG) or `<file>_<id>` (several); never taken."""
    old_ids = list(dict.fromkeys(str(node.value) for node in literals))
    base = dag_id_for(target)
    renamed: dict[str, str] = {}
    used = set(taken)
    for old in old_ids:
        wanted = base if len(old_ids) == 1 else f"{base}_{old}"
        new, number = wanted, 2
        while new in used:
            new, number = f"{wanted}_{number}", number + 1
        used.add(new)
        renamed[old] = new
    return renamed


def renamed_source(content: str, renamed: dict[str, str]) -> str:
    """`content` with each DAG id literal replaced by its new id (same quotes; nothing else changes)."""
    lines = content.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, byte_col: int) -> int:  # ast columns count UTF-8 bytes
        return starts[lineno - 1] + len(lines[lineno - 1].encode()[:byte_col].decode())

    out = content
    for node in reversed(dag_id_literals(content)):
        new = renamed.get(str(node.value))
        if new is None or node.end_lineno is None or node.end_col_offset is None:
            continue
        begin, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
        quote = out[end - 1]
        out = f"{out[:begin]}{quote}{new}{quote}{out[end:]}"
    return out
