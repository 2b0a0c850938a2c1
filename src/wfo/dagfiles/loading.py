"""Loading one candidate DAG file with Airflow's own DagBag, inside the validator's sandboxed child.

Turns what DagBag reports (tracebacks as text, warnings) into `Problem`s with the line in the
candidate file, and gives top-level code placeholders for Variables and Connections, which do not
exist in the sandbox. Imported by the validator server only: it imports Airflow.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from wfo.dagfiles.schemas import Problem, ProblemKind, ValidationResult

BUNDLE_NAME = "dags-folder"


def validate_in_this_process(workdir: Path, filename: str, source: str, timeout: float) -> ValidationResult:
    """Load `source` as `<workdir>/dags/<filename>` with Airflow's DagBag. Runs inside the sandbox only."""
    started = time.monotonic()
    bundle = workdir / "dags"
    relative = Path(filename)
    if relative.is_absolute() or ".." in relative.parts or not relative.name:
        relative = Path(relative.name or "dag.py")  # names are normalised by the caller; stay inside anyway
    path = bundle / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        problem = Problem(kind="syntax", message=f"{type(exc).__name__}: {exc.msg}", line=exc.lineno, column=exc.offset)
        return ValidationResult(ok=False, errors=[problem], seconds=time.monotonic() - started)
    except ValueError as exc:  # e.g. NUL bytes
        problem = Problem(kind="syntax", message=str(exc))
        return ValidationResult(ok=False, errors=[problem], seconds=time.monotonic() - started)

    import warnings

    from airflow.configuration import conf
    from airflow.dag_processing.dagbag import DagBag

    conf.set("core", "dagbag_import_timeout", str(timeout))
    _install_placeholders()
    _PARSE_STATE["path"] = str(path)
    not_found: list[Problem] = []
    _PARSE_STATE["not_found"] = not_found
    with warnings.catch_warnings(record=True):  # DagBag re-emits what it captured; we read its record
        warnings.simplefilter("always")
        bag = DagBag(
            dag_folder=str(path),
            bundle_path=bundle,
            bundle_name=BUNDLE_NAME,
            safe_mode=False,
            load_op_links=False,
        )
    errors = [_classify(text, str(path), filename, source) for text in bag.import_errors.values()]
    warns = [
        warning
        for text in bag.captured_warnings.get(str(path), ())
        if (warning := _warning(text, str(path), filename)) is not None
    ]
    if not_found:
        # A failure may come from the placeholder we had to use: report it, but do not block saving.
        fallout = [e for e in errors if e.kind in ("import", "other")]
        warns.extend(
            Problem(
                kind="not_found_at_parse",
                message=f"could not be fully checked without it: {e.message}",
                line=e.line,
            )
            for e in fallout
        )
        errors = [e for e in errors if e not in fallout]
    warns = not_found + warns
    dag_ids = sorted(bag.dag_ids)
    if not errors and not dag_ids and not not_found:
        warns.append(
            Problem(kind="other", message="the file defines no DAG: Airflow will not list anything for it")
        )
    return ValidationResult(
        ok=not errors,
        dag_ids=dag_ids,
        errors=errors,
        warnings=_dedupe(warns),
        seconds=time.monotonic() - started,
        code_artifacts=_code_artifacts(bag.dags.values()),
    )


def _code_artifacts(dags: Any) -> list[str]:
    """The `code_artifact` of every task (wfo's Spark and Python operators), as the loaded tasks hold it.

    Read from the tasks rather than the text, so a name built in code counts too; a Jinja template is
    decided only at run time and left out. The api-server checks the names against the repository.
    """
    names: dict[str, None] = {}
    for dag in dags:
        for task in getattr(dag, "tasks", ()):
            name = getattr(task, "code_artifact", None)
            if isinstance(name, str) and name.strip() and "{{" not in name and "{%" not in name:
                names[name.strip()] = None
    return list(names)


_CAPTURED = re.compile(r"(?P<file>.*?):(?P<line>\d+|None): (?P<type>[\w.]+): (?P<message>.*)", re.DOTALL)


def _warning(text: str, path: str, filename: str) -> Problem | None:
    """One of DagBag's captured warnings ("file:line: category: message") if it concerns the file."""
    match = _CAPTURED.fullmatch(text)
    if match is None or match.group("file") != path:
        return None
    if "The SLA feature is removed" in match.group("message"):
        return None  # wfo keeps task SLAs working (wfo.sla, docs/sla.md): Airflow's warning is wrong here
    category = match.group("type").rsplit(".", 1)[-1]
    kind: ProblemKind = "legacy" if "Deprecat" in category or "RemovedIn" in category else "other"
    line = int(match.group("line")) if match.group("line").isdigit() else None
    message = f"{category}: {_relative(match.group('message'), path, filename)}"
    return Problem(kind=kind, message=message, line=line)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# The file being validated and what it asked for in vain; reset per file (one file per process at a time).
_PARSE_STATE: dict[str, Any] = {"path": "", "not_found": [], "installed": False}


def _not_found(what: str, key: str) -> None:
    path = _PARSE_STATE["path"]
    _PARSE_STATE["not_found"].append(
        Problem(kind="not_found_at_parse", message=_missing(what, key), line=_candidate_line(path))
    )


def _candidate_line(path: str) -> int | None:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _install_placeholders() -> None:
    """Variables and Connections do not exist in the sandbox: give top-level code a placeholder.

    Reading a Variable at parse time is legal (if discouraged), and the saved file will be parsed
    where they exist, so their absence here is a warning, with the line that asked for them.
    Installed once per process (the server's warm-up installs them before any fork).
    """
    if _PARSE_STATE["installed"]:
        return
    _PARSE_STATE["installed"] = True
    from airflow.sdk.definitions import connection as sdk_connection
    from airflow.sdk.definitions.variable import Variable as SdkVariable
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError, ErrorType
    from airflow.sdk.execution_time import context

    original_get = SdkVariable.get.__func__  # type: ignore[attr-defined]

    def variable_get(cls: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_get(cls, key, *args, **kwargs)
        except AirflowRuntimeError as exc:
            if exc.error.error != ErrorType.VARIABLE_NOT_FOUND:
                raise
        _not_found("Variable", key)
        json_wanted = kwargs.get("deserialize_json") or (len(args) > 1 and args[1])
        return {} if json_wanted else ""

    SdkVariable.get = classmethod(variable_get)  # type: ignore[method-assign,assignment]

    original_connection = context._get_connection

    def get_connection(conn_id: str) -> Any:
        try:
            return original_connection(conn_id)
        except AirflowNotFoundException:
            _not_found("Connection", conn_id)
            return sdk_connection.Connection(conn_id=conn_id, conn_type="generic")

    context._get_connection = get_connection

    try:
        from airflow.models.variable import Variable as CoreVariable
    except ImportError:
        return
    original_core_get = CoreVariable.get.__func__  # type: ignore[attr-defined]

    def core_variable_get(cls: Any, key: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_core_get(cls, key, *args, **kwargs)
        except KeyError:
            _not_found("Variable", key)
            return {} if kwargs.get("deserialize_json") else ""

    CoreVariable.get = classmethod(core_variable_get)  # type: ignore[method-assign,assignment]


def _missing(what: str, key: str) -> str:
    return (
        f"{what} {key!r} is not available while validating (checked with a placeholder); "
        f"make sure it exists where the DAG is parsed"
    )


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
_LAST = re.compile(r"(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?")
_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'")
_NO_MODULE = re.compile(r"No module named '(?P<module>[^']+)'")
_NO_ATTRIBUTE = re.compile(r"module '(?P<module>[^']+)' has no attribute '(?P<name>[^']+)'")
_OPERATOR_MODULES = ("wfo.operators", "airflow.operators", "airflow.sensors", "airflow.providers")


def _operator_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _OPERATOR_MODULES)


def _classify(text: str, path: str, filename: str, source: str) -> Problem:
    """Turn one of DagBag's import errors (a traceback or "Type: message") into a Problem."""
    lines = [frame for frame in _FRAME.finditer(text) if frame.group("file") == path]
    line = int(lines[-1].group("line")) if lines else None
    exc_type, message = "Exception", text.strip()
    for raw in reversed(text.strip().splitlines()):
        match = _LAST.fullmatch(raw.strip())
        if match and not raw.startswith(" "):
            exc_type, message = match.group("type"), (match.group("message") or "").strip()
            break
    short = exc_type.rsplit(".", 1)[-1]
    message = _relative(message, path, filename)
    shown = f"{short}: {message}" if message else short
    if short == "AirflowDagCycleException" or "Cycle detected" in message:
        faulty = re.search(r"Faulty task: (\S+)", message)
        return Problem(
            kind="cycle", message=shown, line=line or (_task_line(source, faulty.group(1)) if faulty else None)
        )
    if short == "DuplicateTaskIdFound":
        return Problem(kind="duplicate_task", message=shown, line=line)
    if short == "AirflowTaskTimeout" or message.startswith("DagBag import timeout"):
        return Problem(kind="timeout", message=shown.split("\n", 1)[0], line=line)
    if short == "MemoryError":
        message = "MemoryError: the file needs more memory than the validator allows"
        return Problem(kind="memory", message=message, line=line)
    unknown = _CANNOT_IMPORT.search(message) or _NO_ATTRIBUTE.search(message)
    if unknown and (
        _operator_module(unknown.group("module")) or unknown.group("name").endswith(("Operator", "Sensor"))
    ):
        return Problem(
            kind="unknown_operator",
            message=f"unknown operator: {unknown.group('module')} has no {unknown.group('name')!r} ({shown})",
            line=line,
        )
    missing_module = _NO_MODULE.search(message)
    if missing_module and _operator_module(missing_module.group("module")):
        return Problem(kind="unknown_operator", message=f"unknown operator module: {shown}", line=line)
    if not lines and "Traceback" not in text:
        return Problem(kind="other", message=shown, line=line)
    return Problem(kind="import", message=shown, line=line)


def _task_line(source: str, task_id: str) -> int | None:
    for number, text in enumerate(source.splitlines(), start=1):
        if f"'{task_id}'" in text or f'"{task_id}"' in text:
            return number
    return None


def _relative(message: str, path: str, filename: str) -> str:
    return message.replace(path, filename)
