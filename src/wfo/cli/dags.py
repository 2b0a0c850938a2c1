"""`wfo dags upgrade PATH...`: rewrite legacy (Airflow 1.10 era) DAG files for Airflow 3.3 and wfo.

Files are read and written here; the rewriting itself is `wfo.dagfiles.upgrade.upgrade_source`.
Exit codes: 0 nothing left to do, 1 something would change (`--check`) or an issue needs a human,
2 a path could not be read or written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

SKIPPED_DIRS = frozenset({".git", "__pycache__", ".venv", "node_modules"})


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `wfo dags ...` on the top-level parser."""
    dags = sub.add_parser("dags", help="work on DAG files (upgrade legacy files)")
    dags_sub = dags.add_subparsers(dest="dags_command", required=True)
    upgrade = dags_sub.add_parser(
        "upgrade",
        help="rewrite Airflow 1.10-era DAG files for Airflow 3 and wfo.operators (in place)",
        description=(
            "Rewrite legacy DAG files in place (comments and formatting kept), print the diff of each file "
            "and what could not be rewritten as file:line: message (hint)."
        ),
    )
    upgrade.add_argument(
        "paths", nargs="+", metavar="PATH", help=".py files or folders (searched recursively)"
    )
    mode = upgrade.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change or has an issue"
    )
    mode.add_argument("--diff", action="store_true", help="print the diffs, write nothing")
    upgrade.set_defaults(func=cmd_upgrade)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from wfo.dagfiles.upgrade import upgrade_source

    write = not (args.check or args.diff)
    files, errors = _collect(args.paths)
    changed = issues = 0
    for path in files:
        try:
            source = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot read: {exc}")
            continue
        result = upgrade_source(source, filename=str(path))
        if result.changed:
            changed += 1
            sys.stdout.write(result.diff)
            if write:
                try:
                    _write_atomically(path, result.source)
                except OSError as exc:
                    errors.append(f"{path}: cannot write: {exc}")
        for issue in result.issues:
            issues += 1
            print(f"{path}:{issue.line}: {issue.message} ({issue.hint})")
    verb = "would be upgraded" if not write else "upgraded"
    print(
        f"{changed} of {len(files)} file(s) {verb}, {issues} issue(s) to fix by hand",
        file=sys.stderr,
    )
    for error in errors:
        print(f"wfo dags upgrade: {error}", file=sys.stderr)
    if errors:
        return 2
    if issues or (args.check and changed):
        return 1
    return 0


def _collect(paths: list[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    errors: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(_python_files(path)))
        elif path.is_file():
            if path.suffix != ".py":
                errors.append(f"{path}: not a .py file")
            else:
                files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def _python_files(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")]
        for name in names:
            if name.endswith(".py"):
                yield Path(root) / name


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one rename, so a crash leaves the old or the new file, never half of one."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
