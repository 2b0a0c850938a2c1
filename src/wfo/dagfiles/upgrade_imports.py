"""The import bookkeeping of the legacy upgrade, done by libcst's codemod visitors.

The upgrade schedules what it needs on a `CodemodContext` while it rewrites the uses: imports to add
(`AddImportsVisitor`: `import pendulum`, `from datetime import timedelta`, merged into an existing
import of the module) and imports whose every use it rewrote away (`RemoveImportsVisitor`: removed only
if scope analysis finds no use left, e.g. `days_ago` still called with `hour=`). What is specific to a
user's file: the comments of a removed import line are kept, on the next line of its block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, GatherImportsVisitor, RemoveImportsVisitor

from wfo.dagfiles.schemas import UpgradeIssue

_Node = TypeVar("_Node", bound=cst.CSTNode)


class KeepsCommentsOfRemovedLines(cst.CSTTransformer):
    """A statement line this transformer removes leaves its comments (above it, inside it, after it) to
    the next statement of its block, or to the end of the block."""

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module):
            self._orphans: list[list[cst.EmptyLine]] = []
        if isinstance(node, (cst.Module, cst.IndentedBlock)):
            self._orphans.append([])
        return super().on_visit(node)

    def on_leave(
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, (cst.Module, cst.IndentedBlock)):
            return cast(_Node, _block_end(result, self._orphans.pop()))
        if not isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return result
        orphans = self._orphans[-1]
        if isinstance(result, cst.RemovalSentinel) or (
            isinstance(result, cst.SimpleStatementLine) and not result.body
        ):
            orphans.extend(cst.EmptyLine(comment=comment) for comment in comments(original_node))
            return result
        if not orphans:
            return result
        lines, orphans[:] = list(orphans), []
        if isinstance(result, cst.FlattenSentinel):
            first, *rest = result.nodes
            return cst.FlattenSentinel([_with_leading(first, lines), *rest])
        return _with_leading(result, lines)


def _with_leading(statement: _Node, lines: list[cst.EmptyLine]) -> _Node:
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return cast(_Node, statement.with_changes(leading_lines=[*lines, *statement.leading_lines]))


def _block_end(block: object, lines: list[cst.EmptyLine]) -> object:
    if not lines:
        return block
    if isinstance(block, cst.Module):
        return block.with_changes(footer=[*lines, *block.footer])
    assert isinstance(block, cst.IndentedBlock)  # a block needs a statement to hold them
    return block.with_changes(body=[*block.body, cst.SimpleStatementLine([cst.Pass()], leading_lines=lines)])


def comments(node: cst.CSTNode) -> list[cst.Comment]:
    found: list[cst.Comment] = []

    class Collect(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment)

    node.visit(Collect())
    return found


# libcst's matcher transformer types on_leave without the FlattenSentinel that leave_ methods may return.
class _RemoveImports(KeepsCommentsOfRemovedLines, RemoveImportsVisitor):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class IfStillImported:
    """An issue to report if scope analysis kept the import (module, name, asname): a use is left."""

    module: str
    name: str
    asname: str | None
    issue: UpgradeIssue


def finish_imports(
    tree: cst.Module, context: CodemodContext, pending: list[IfStillImported]
) -> tuple[cst.Module, list[UpgradeIssue]]:
    """Add and remove the imports scheduled on `context`; the pending issues whose import stayed."""
    if AddImportsVisitor.CONTEXT_KEY in context.scratch:
        tree = AddImportsVisitor(context).transform_module(tree)
    if RemoveImportsVisitor.CONTEXT_KEY not in context.scratch:
        return tree, []
    tree = _RemoveImports(context).transform_module(tree)
    left = GatherImportsVisitor(context)
    tree.visit(left)

    def kept(item: IfStillImported) -> bool:
        if item.asname is None:
            return item.name in left.object_mapping.get(item.module, set())
        return (item.name, item.asname) in left.alias_mapping.get(item.module, [])

    return tree, [item.issue for item in pending if kept(item)]
