"""Upgrade DAG files written for the manual's platform (Airflow 1.10 era) to Airflow 3.3 and `wfo.operators`.

A pure function of the source: libcst rewrites what has a safe Airflow 3 equivalent (imports, renamed
arguments, `execution_date`, `days_ago`) and keeps every comment and the formatting of untouched code.
What cannot be rewritten safely (a `SubDagOperator` in use, a removed template variable, ...) is kept as it
is and reported as an `UpgradeIssue` with its line and a hint, never dropped silently. Adding and removing
imports is left to libcst's codemod visitors (`wfo.dagfiles.upgrade_imports`).
"""

from __future__ import annotations

import difflib
import re

import libcst as cst
from libcst.codemod import CodemodContext, ContextAwareTransformer
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import PositionProvider

from wfo.dagfiles.schemas import UpgradeIssue, UpgradeResult
from wfo.dagfiles.upgrade_imports import (
    IfStillImported,
    KeepsCommentsOfRemovedLines,
    comments,
    finish_imports,
)
from wfo.dagfiles.upgrade_rules import (
    ATTR_EXEC_DATE,
    CONTEXT_NAMES,
    DAG_KWARGS,
    DEPRECATED_MODULES,
    DROP_IF_UNUSED,
    EXEC_DATE,
    JINJA,
    LEGACY_MARKERS,
    PLAIN_OPERATOR_MODULES,
    REMOVED_CONTEXT,
    REMOVED_MODULES,
    REMOVED_VAR,
    REWRITTEN_AWAY,
    SDK,
    SUBDAG_HINT,
    TASK_KWARGS,
    TRIGGER_RULES,
)


def proposed_upgrade(source: str, filename: str = "dag.py") -> UpgradeResult | None:
    """The upgrade of a legacy file (one that `upgrade_source` changes or reports an issue in), else None.

    Cheap for modern files (one regex). A file that is not valid Python is not called legacy: the validator
    reports its syntax error.
    """
    if not LEGACY_MARKERS.search(source):
        return None
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    result = _upgrade(module, source, filename)
    return result if result.changed or result.issues else None


def is_legacy(source: str) -> bool:
    """Would `upgrade_source` change the file or report an issue? Cheap for modern files (one regex)."""
    return proposed_upgrade(source) is not None


def upgrade_source(source: str, filename: str = "dag.py") -> UpgradeResult:
    """Rewrite `source` for Airflow 3.3 + wfo; report what could not be rewritten (see module docstring)."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        issue = UpgradeIssue(
            line=exc.raw_line,
            message=f"not valid Python 3: {exc.message}",
            hint="fix the syntax error, then upgrade again",
        )
        return UpgradeResult(changed=False, source=source, diff="", issues=[issue])
    return _upgrade(module, source, filename)


def _upgrade(module: cst.Module, source: str, filename: str) -> UpgradeResult:
    scan = _Scan()
    module.visit(scan)
    context = CodemodContext()
    upgrader = _Upgrader(context, scan)
    tree = upgrader.transform_module(module)
    # A days_ago(n, hour=...) left in place is reported where it is called, not again at its import.
    pending = [p for p in upgrader.if_still_imported if not (p.name == "days_ago" and upgrader.kept_days_ago)]
    tree, still_imported = finish_imports(tree, context, pending)
    new_source = tree.code
    issues = sorted({*upgrader.issues, *still_imported}, key=lambda issue: (issue.line, issue.message))
    diff = "".join(
        difflib.unified_diff(
            _lines(source), _lines(new_source), fromfile=f"a/{filename}", tofile=f"b/{filename}"
        )
    )
    return UpgradeResult(changed=new_source != source, source=new_source, diff=diff, issues=issues)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def _module_name(node: cst.ImportFrom) -> str | None:
    if node.relative or node.module is None:
        return None
    return get_full_name_for_node(node.module)


def _alias_name(alias: cst.ImportAlias) -> str:
    return get_full_name_for_node(alias.name) or ""


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return _alias_name(alias)


def _rule(module: str, name: str) -> tuple[str, str] | None:
    return REMOVED_MODULES.get(module, DEPRECATED_MODULES.get(module, {})).get(name)


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _with_value(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """The same string literal (prefix and quotes kept) with another content without escapes."""
    quote = node.quote
    return node.with_changes(value=f"{node.prefix}{quote}{value}{quote}")


class _Scan(cst.CSTVisitor):
    """First pass: what the file imports, and which of its names the upgrade rewrites."""

    def __init__(self) -> None:
        self.imported: set[tuple[str, str, str]] = set()  # (module, name, local name)
        self.dag_names: set[str] = set()  # local names of DAG imported from a legacy place
        self.renames: dict[str, str] = {}  # local name -> new name (DummyOperator -> EmptyOperator)
        self.days_ago: set[str] = set()
        self.apply_defaults: set[str] = set()  # Airflow 2+ applies default_args by itself
        self.callables: set[str] = set()  # functions passed as python_callable=
        self.plain_operators: set[str] = set()  # Airflow operators, which have no `description`

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = _module_name(node)
        if module is None or isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name, local = _alias_name(alias), _local_name(alias)
            self.imported.add((module, name, local))
            rule = _rule(module, name)
            if rule and rule[0] == SDK and name in {"DAG", "dag"}:
                self.dag_names.add(local)
            if rule and rule[1] != name and alias.asname is None:
                self.renames[local] = rule[1]
            if rule and rule[0].startswith(PLAIN_OPERATOR_MODULES) and name[:1].isupper():
                self.plain_operators.add(local)
            if module == "airflow.utils.dates" and name == "days_ago":
                self.days_ago.add(local)
            if module == "airflow.utils.decorators" and name == "apply_defaults":
                self.apply_defaults.add(local)
        return False

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword and node.keyword.value == "python_callable" and isinstance(node.value, cst.Name):
            self.callables.add(node.value.value)


# type: ignore: see upgrade_imports._RemoveImports.
class _Upgrader(KeepsCommentsOfRemovedLines, ContextAwareTransformer):  # type: ignore[misc]
    """Second pass: rewrites the uses and the import statements in place; schedules on the codemod
    context the imports to add and those to remove once no use is left."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, scan: _Scan) -> None:
        super().__init__(context)
        self.scan = scan
        self.issues: list[UpgradeIssue] = []
        self.if_still_imported: list[IfStillImported] = []
        self.kept_days_ago = False
        self.context_names: list[set[str]] = [set(CONTEXT_NAMES)]
        self.renamed_params: list[set[str]] = [set()]
        self.skip_names: set[int] = set()

    # --- helpers -------------------------------------------------------------------------------------
    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def _issue(self, node: cst.CSTNode, message: str, hint: str) -> None:
        self.issues.append(UpgradeIssue(line=self._line(node), message=message, hint=hint))

    def _remove_unless_used(
        self, original: cst.ImportFrom, module: str, name: str, asname: str | None, message: str, hint: str
    ) -> None:
        """The import goes if no use is left after the rewrite; else the use is reported at the import."""
        RemoveImportsVisitor.remove_unused_import(self.context, module, name, asname)
        issue = UpgradeIssue(line=self._line(original), message=message, hint=hint)
        self.if_still_imported.append(IfStillImported(module, name, asname, issue))

    # --- scopes: which names hold the task context ---------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        names = {p.name.value for p in node.params.params if p.name.value in CONTEXT_NAMES}
        if isinstance(node.params.star_kwarg, cst.Param):
            names.add(node.params.star_kwarg.name.value)
        self.context_names.append(names | self.context_names[-1])
        renamed = set(self.renamed_params[-1])
        if node.name.value in self.scan.callables:
            for param in [*node.params.params, *node.params.kwonly_params]:
                if param.name.value == "execution_date":
                    renamed.add("execution_date")
                elif param.name.value in REMOVED_CONTEXT:
                    self._issue(
                        param,
                        f"task callable parameter {param.name.value!r} is no longer in the Airflow 3 context",
                        REMOVED_CONTEXT[param.name.value],
                    )
        self.renamed_params.append(renamed)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.context_names.pop()
        self.renamed_params.pop()
        decorators = []
        for decorator in updated_node.decorators:
            name = decorator.decorator
            if isinstance(name, cst.Name) and name.value in self.scan.apply_defaults:
                continue  # Airflow 2+ applies default_args to every operator's __init__ itself
            decorators.append(decorator)
        return updated_node.with_changes(decorators=decorators)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip_names.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip_names.add(id(node.keyword))

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if id(original_node) in self.skip_names:
            return updated_node
        if original_node.value in self.renamed_params[-1]:
            return updated_node.with_changes(value="logical_date")
        new = self.scan.renames.get(original_node.value)
        return updated_node.with_changes(value=new) if new else updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if original_node.attr.value != "execution_date":
            return updated_node
        holder = original_node.value
        if (isinstance(holder, cst.Name) and holder.value == "dag_run") or (
            isinstance(holder, cst.Subscript)
            and isinstance(holder.slice[0].slice, cst.Index)
            and _string_value(holder.slice[0].slice.value) == "dag_run"
        ):
            return updated_node.with_changes(attr=cst.Name("logical_date"))
        self._issue(
            original_node,
            "'.execution_date' does not exist in Airflow 3",
            "use context['logical_date'] or dag_run.logical_date",
        )
        return updated_node

    # --- strings: Jinja templates --------------------------------------------------------------------
    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        raw = updated_node.value
        if "{{" not in raw and "{%" not in raw:
            return updated_node

        def fix(block: re.Match[str]) -> str:
            text = block.group(0)
            for removed in REMOVED_VAR.findall(text):
                self._issue(
                    original_node,
                    f"template variable {removed!r} was removed in Airflow 3",
                    REMOVED_CONTEXT[removed],
                )
            if ATTR_EXEC_DATE.search(EXEC_DATE.sub("logical_date", text)):
                self._issue(
                    original_node,
                    "'.execution_date' in a template does not exist in Airflow 3",
                    "use {{ logical_date }} or {{ dag_run.logical_date }}",
                )
            return EXEC_DATE.sub("logical_date", text)

        return updated_node.with_changes(value=JINJA.sub(fix, raw))

    # --- context access: context['execution_date'], kwargs.get('execution_date') --------------------
    def _context_key(
        self, holder: cst.BaseExpression, key_node: cst.BaseExpression, original_key: cst.CSTNode
    ) -> cst.BaseExpression:
        """The key expression to use when `holder[key]` reads the task context."""
        key = _string_value(key_node)
        if key is None or not isinstance(holder, cst.Name) or holder.value not in self.context_names[-1]:
            return key_node
        if key == "execution_date" and isinstance(key_node, cst.SimpleString):
            return _with_value(key_node, "logical_date")
        if key in REMOVED_CONTEXT:
            self._issue(original_key, f"context key {key!r} was removed in Airflow 3", REMOVED_CONTEXT[key])
        return key_node

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if len(updated_node.slice) != 1 or not isinstance(updated_node.slice[0].slice, cst.Index):
            return updated_node
        index = updated_node.slice[0].slice
        original_index = original_node.slice[0].slice
        assert isinstance(original_index, cst.Index)
        new_key = self._context_key(original_node.value, index.value, original_index.value)
        if new_key is index.value:
            return updated_node
        element = updated_node.slice[0].with_changes(slice=index.with_changes(value=new_key))
        return updated_node.with_changes(slice=[element])

    # --- calls ----------------------------------------------------------------------------------------
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        callee = get_full_name_for_node(original_node.func) or ""
        short = callee.rsplit(".", 1)[-1]
        if short in self.scan.days_ago and callee == short:
            return self._days_ago(original_node, updated_node)
        if callee.endswith(".get") and updated_node.args and isinstance(original_node.func, cst.Attribute):
            first = updated_node.args[0]
            if first.keyword is None:
                new_key = self._context_key(
                    original_node.func.value, first.value, original_node.args[0].value
                )
                if new_key is not first.value:
                    updated_node = updated_node.with_changes(
                        args=[first.with_changes(value=new_key), *updated_node.args[1:]]
                    )
        if short == "SubDagOperator":
            self._issue(original_node, "SubDagOperator has no Airflow 3 equivalent", SUBDAG_HINT)
        is_dag = short in self.scan.dag_names or short in {"DAG", "dag"}
        renames = {**TASK_KWARGS, **(DAG_KWARGS if is_dag else {})}
        if short == "BashOperator":
            renames["xcom_push"] = "do_xcom_push"
        if short == "TriggerDagRunOperator":
            renames["execution_date"] = "logical_date"
        if callee == "Variable.get":
            renames["default_var"] = "default"
        if short in self.scan.plain_operators:
            renames["description"] = "doc_md"
        positional = sum(1 for arg in original_node.args if arg.keyword is None and not arg.star)
        if short in self.scan.dag_names and positional > 1:
            self._issue(
                original_node,
                "Airflow 3's DAG takes only the dag_id as a positional argument",
                "pass the other arguments by keyword (e.g. description=..., schedule=...)",
            )
        args: list[cst.Arg] = []
        for original_arg, arg in zip(original_node.args, updated_node.args, strict=True):
            keyword = arg.keyword.value if arg.keyword else None
            if keyword == "provide_context":
                continue  # Airflow 2+ passes the context to every callable that accepts it
            if keyword in renames and arg.keyword is not None:
                arg = arg.with_changes(keyword=arg.keyword.with_changes(value=renames[keyword]))
            if keyword == "trigger_rule":
                arg = arg.with_changes(value=self._trigger_rule(arg.value))
            if keyword == "python_callable" and short == "TriggerDagRunOperator":
                self._issue(
                    original_arg,
                    "TriggerDagRunOperator no longer accepts python_callable (Airflow 2 removed it)",
                    "use DagOperator from wfo.operators, which keeps the (context, dag_run_obj) callable, "
                    "or pass conf= to TriggerDagRunOperator",
                )
            args.append(arg)
        if args and len(args) != len(updated_node.args):
            args[-1] = args[-1].with_changes(comma=updated_node.args[-1].comma)
        if short in self.scan.dag_names and positional <= 1:
            args = self._default_schedule(args)
        return updated_node.with_changes(args=args)

    def _trigger_rule(self, value: cst.BaseExpression) -> cst.BaseExpression:
        text = _string_value(value)
        if isinstance(value, cst.SimpleString) and text in TRIGGER_RULES:
            return _with_value(value, TRIGGER_RULES[text])
        if isinstance(value, cst.Attribute) and value.attr.value in {"DUMMY", "NONE_FAILED_OR_SKIPPED"}:
            return value.with_changes(attr=cst.Name(TRIGGER_RULES[value.attr.value.lower()].upper()))
        return value

    def _default_schedule(self, args: list[cst.Arg]) -> list[cst.Arg]:
        """Airflow 1.10 and 2 ran a DAG without a schedule daily; Airflow 3 would never schedule it."""
        if any(arg.star or (arg.keyword and arg.keyword.value in {"schedule", "timetable"}) for arg in args):
            return args
        AddImportsVisitor.add_needed_import(self.context, "datetime", "timedelta")
        new = cst.Arg(
            value=cst.parse_expression("timedelta(days=1)"), keyword=cst.Name("schedule"), equal=_EQUAL
        )
        if not args:
            return [new]
        last = args[-1]
        between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else _COMMA
        if isinstance(last.comma, cst.Comma):  # trailing comma: keep the call's layout
            return [*args[:-1], last.with_changes(comma=between), new.with_changes(comma=last.comma)]
        return [*args[:-1], last.with_changes(comma=_COMMA), new]

    def _days_ago(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        args = updated.args
        if len(args) != 1 or args[0].keyword is not None or args[0].star:
            self.kept_days_ago = True
            self._issue(
                original,
                "days_ago() with hour/minute/second arguments was removed in Airflow 3",
                "use pendulum.today('UTC').subtract(days=n).replace(hour=...) or a fixed datetime",
            )
            return updated
        AddImportsVisitor.add_needed_import(self.context, "pendulum")
        days = args[0].value
        if isinstance(days, cst.Integer) and days.evaluated_value == 0:
            return cst.parse_expression('pendulum.today("UTC")')
        today = cst.parse_expression('pendulum.today("UTC").subtract()')
        assert isinstance(today, cst.Call)
        return today.with_changes(args=[cst.Arg(value=days, keyword=cst.Name("days"), equal=_EQUAL)])

    # --- import statements: rewritten in place; adding and removing is libcst's (see _upgrade) ------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = _alias_name(alias)
            if name in REMOVED_MODULES or name.startswith("airflow.contrib"):
                self._issue(
                    node,
                    f"module {name!r} does not exist in Airflow 3",
                    "import the names you use with 'from ... import ...' and run the upgrade again",
                )

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        original = original_node.body[0]
        if len(updated_node.body) != 1 or not isinstance(original, cst.ImportFrom):
            return updated_node
        node = updated_node.body[0]
        assert isinstance(node, cst.ImportFrom)
        rewritten = self._rewrite_import(original, node)
        if rewritten is None:
            return updated_node
        statements, inner_comments = rewritten
        if not statements:
            return cst.RemoveFromParent()  # its comments move on (KeepsCommentsOfRemovedLines)
        first, *rest = statements
        leading = [*updated_node.leading_lines, *(cst.EmptyLine(comment=c) for c in inner_comments)]
        lines = [updated_node.with_changes(body=[first], leading_lines=leading)]
        lines += [cst.SimpleStatementLine(body=[statement]) for statement in rest]
        return cst.FlattenSentinel(lines) if rest else lines[0]

    def _rewrite_import(
        self, original: cst.ImportFrom, node: cst.ImportFrom
    ) -> tuple[list[cst.ImportFrom], list[cst.Comment]] | None:
        """New import statements for a legacy one ([]: it goes), with the comments that were inside it
        when the new layout cannot keep them; None when it stays as it is."""
        module = _module_name(node)
        if module is None:
            return None
        removed = module in REMOVED_MODULES or module.startswith("airflow.contrib.")
        if module not in REMOVED_MODULES and module not in DEPRECATED_MODULES and not removed:
            return None
        if isinstance(node.names, cst.ImportStar):
            if removed:
                self._issue(original, f"'from {module} import *' does not work on Airflow 3", "import names")
            return None
        groups: dict[str, list[cst.ImportAlias]] = {}
        changed = False
        assert not isinstance(original.names, cst.ImportStar)
        for original_alias, alias in zip(original.names, node.names, strict=True):
            name, local = _alias_name(original_alias), _local_name(original_alias)
            asname = local if original_alias.asname is not None else None
            rule = _rule(module, name)
            drop_hint = DROP_IF_UNUSED.get((module, name))
            if drop_hint is not None:
                message = f"{name!r} is used but has no Airflow 3 equivalent"
                self._remove_unless_used(original, module, name, asname, message, drop_hint)
            elif (module, name) in REWRITTEN_AWAY:
                message = f"{name!r} cannot be imported from {module!r} on Airflow 3"
                self._remove_unless_used(original, module, name, asname, message, _PROVIDER_HINT)
            elif rule is None and removed:
                message = f"{name!r} cannot be imported from {module!r} on Airflow 3"
                self._issue(original, message, _PROVIDER_HINT)
            if rule is None:
                groups.setdefault(module, []).append(alias)
                continue
            new_module, new_name = rule
            changed = changed or new_module != module or new_name != name
            if (new_module, new_name, local if alias.asname else new_name) in self.scan.imported:
                changed = True
                continue  # already imported from the new place
            if new_name != name:
                alias = alias.with_changes(name=cst.Name(new_name))
            groups.setdefault(new_module, []).append(alias)
        if not changed:
            return None
        parenthesized = node.lpar is not None
        kept_all = sum(len(aliases) for aliases in groups.values()) == len(node.names)
        relayout = len(groups) != 1 or not (parenthesized or kept_all)
        statements = []
        for new_module, aliases in groups.items():
            if relayout:
                aliases = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
                aliases = [
                    a if i == len(aliases) - 1 else a.with_changes(comma=_COMMA)
                    for i, a in enumerate(aliases)
                ]
                statements.append(
                    node.with_changes(
                        module=cst.parse_expression(new_module), names=aliases, lpar=None, rpar=None
                    )
                )
            else:
                statements.append(node.with_changes(module=cst.parse_expression(new_module), names=aliases))
        # Comments between the names would be lost with a new layout: they go above it.
        return statements, comments(node) if relayout and statements else []


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
_PROVIDER_HINT = "find its Airflow 3 provider package or a wfo operator and import it from there"
