"""The spark-submit arguments and `--conf` keys a config group may hold: the table, validation, code-ness.

Arguments are spark-submit's own options without the leading `--` (`master`, `driver-memory`, ...);
confs are `--conf key=value` pairs. Only `spark.*` conf keys are accepted, because spark-submit ignores
every other key ("Ignoring non-Spark config property"); Hadoop properties go in as `spark.hadoop.<key>`.
Values are stored as strings (lists for `jars`, `py-files`, `files`, `archives`, `packages`,
`exclude-packages`, `repositories`); an empty value removes the argument.

Code-ness: an argument is a code setting by the table's `code` flag; a conf is one unless it is on the
tuning allow-list of `wfo.clusters.spark_tuning` with a value within its rule.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

from wfo.clusters import spark_tuning
from wfo.clusters.errors import InvalidGroupInput

ArgumentKind = Literal["string", "memory", "integer", "list", "choice"]


class KnownArgument(TypedDict):
    name: str
    kind: ArgumentKind
    choices: NotRequired[list[str]]
    code: bool


def _arg(
    name: str, kind: ArgumentKind, *, code: bool = False, choices: list[str] | None = None
) -> KnownArgument:
    entry = KnownArgument(name=name, kind=kind, code=code)
    if choices is not None:
        entry["choices"] = choices
    return entry


# Order = display order in the UI and order on the spark-submit command line.
KNOWN_ARGUMENTS: list[KnownArgument] = [
    _arg("master", "string"),
    _arg("deploy-mode", "choice", choices=["client", "cluster"]),
    _arg("queue", "string"),
    _arg("principal", "string"),
    _arg("keytab", "string"),
    _arg("proxy-user", "string"),
    _arg("driver-memory", "memory"),
    _arg("driver-cores", "integer"),
    _arg("executor-memory", "memory"),
    _arg("executor-cores", "integer"),
    _arg("num-executors", "integer"),
    _arg("total-executor-cores", "integer"),
    _arg("jars", "list", code=True),
    _arg("py-files", "list", code=True),
    _arg("files", "list", code=True),
    _arg("archives", "list", code=True),
    _arg("packages", "list", code=True),
    # Excluding packages changes the classpath as much as adding them does.
    _arg("exclude-packages", "list", code=True),
    _arg("repositories", "list", code=True),
    _arg("driver-java-options", "string", code=True),
    _arg("driver-class-path", "string", code=True),
    _arg("driver-library-path", "string", code=True),
    _arg("properties-file", "string", code=True),
    _arg("verbose", "choice", choices=["true", "false"]),
    _arg("supervise", "choice", choices=["true", "false"]),
]
_BY_NAME: dict[str, KnownArgument] = {entry["name"]: entry for entry in KNOWN_ARGUMENTS}
# Flags without a value on the command line: `--verbose` when "true", nothing when "false".
_FLAGS = frozenset({"verbose", "supervise"})

# Why some spark-submit options are not arguments of a group.
_NOT_ARGUMENTS = {
    "conf": "is not an argument: add each --conf key=value under Configurations",
    "name": "is set by the operator (app_name), not by the config group",
    "class": "is set by the operator (class_path), not by the config group",
}

# Spark reads a keytab conf as a path on the worker. The group's keytabs exist there only once the render
# step has written them into a fresh private folder, so such a path names some other file (a host keytab,
# another group's); the `keytab` argument names one of the group's keytabs and is turned into that copy.
KEYTAB_CONFS = frozenset({"spark.kerberos.keytab", "spark.yarn.keytab"})

# Set by the operators for every job (DESIGN §4).
RESERVED_CONFS = frozenset({"spark.workflow.taskId", "spark.workflow.dagId"})

# Spark's JVM size strings (JavaUtils.byteStringAs): digits, optional unit, no fraction, no space.
_MEMORY = re.compile(r"[0-9]+([kmgtp]b?|b)?", re.IGNORECASE)
_INTEGER = re.compile(r"[0-9]+")
_CONF_KEY = re.compile(r"spark(\.[A-Za-z0-9_\-/:\[\]]+)+")
_MAX_VALUE_CHARS = 8192
_MAX_KEY_CHARS = 256
_DEPENDENCY_SUFFIXES = {"jars": (".jar",), "py-files": (".py", ".zip", ".egg")}


class SparkSettingsError(InvalidGroupInput):
    """Spark arguments or confs were refused; `errors` maps each refused key to a human message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        parts = [f"{key}: {message}" for key, message in self.errors.items()]
        super().__init__("invalid Spark settings: " + "; ".join(parts))


def is_code_argument(name: str) -> bool:
    """True for spark-submit arguments that decide what code runs (jars, py-files, Java options ...)."""
    entry = _BY_NAME.get(name)
    return bool(entry and entry["code"])


def code_conf_reason(key: str, value: str) -> str | None:
    """None for a tuning conf (allow-listed key, value within its rule); otherwise why `key=value` is code."""
    return spark_tuning.why_code(key, value)


def is_code_conf(key: str, value: str) -> bool:
    """True unless `key=value` is on the tuning allow-list (`wfo.clusters.spark_tuning`)."""
    return code_conf_reason(key, value) is not None


def _split(arguments: Mapping[str, Any], confs: Mapping[str, Any], *, code: bool) -> tuple[dict, dict]:
    return (
        {name: value for name, value in arguments.items() if is_code_argument(name) == code},
        {key: value for key, value in confs.items() if is_code_conf(key, str(value)) == code},
    )


def code_changes(
    old_args: Mapping[str, Any],
    old_confs: Mapping[str, Any],
    new_args: Mapping[str, Any],
    new_confs: Mapping[str, Any],
) -> list[str]:
    """The code arguments and confs added, changed or removed, each with why it is code (for messages)."""
    (old_code_args, old_code_confs), (new_code_args, new_code_confs) = (
        _split(old_args, old_confs, code=True),
        _split(new_args, new_confs, code=True),
    )
    changes = [
        name
        for name in sorted(set(old_code_args) | set(new_code_args))
        if old_code_args.get(name) != new_code_args.get(name)
    ]
    for key in sorted(set(old_code_confs) | set(new_code_confs)):
        if old_code_confs.get(key) == new_code_confs.get(key):
            continue
        if key in new_code_confs:
            changes.append(f"{key} ({code_conf_reason(key, str(new_code_confs[key]))})")
        else:
            changes.append(f"{key} (removes a code setting)")
    return changes


def code_settings_changed(
    old_args: Mapping[str, Any],
    old_confs: Mapping[str, Any],
    new_args: Mapping[str, Any],
    new_confs: Mapping[str, Any],
) -> bool:
    """True when an argument or conf that decides what code runs was added, changed or removed."""
    return bool(code_changes(old_args, old_confs, new_args, new_confs))


def non_code_settings_changed(
    old_args: Mapping[str, Any],
    old_confs: Mapping[str, Any],
    new_args: Mapping[str, Any],
    new_confs: Mapping[str, Any],
) -> bool:
    """True when a tuning argument or conf (master, memory, queue ...) was added, changed or removed."""
    return _split(old_args, old_confs, code=False) != _split(new_args, new_confs, code=False)


def _bad_character(text: str) -> str | None:
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf"):
            return f"U+{ord(char):04X}"
    return None


def _as_text(value: Any) -> str:
    """A scalar value as stripped text; numbers and booleans are accepted as Spark writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"must be text, not {type(value).__name__}")


def _check_text(text: str) -> None:
    bad = _bad_character(text)
    if bad is not None:
        raise ValueError(f"contains the control character {bad}; line breaks and tabs are not allowed")
    if len(text) > _MAX_VALUE_CHARS:
        raise ValueError(f"is too long ({len(text)} characters, at most {_MAX_VALUE_CHARS})")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"entries must be text, not {type(item).__name__}")
            if "," in item:
                raise ValueError(f"the entry {item.strip()!r} contains a comma, which spark-submit splits on")
            items.append(item)
    else:
        raise ValueError(f"must be a list or a comma-separated text, not {type(value).__name__}")
    result: list[str] = []
    for item in (item.strip() for item in items):
        _check_text(item)
        if item and item not in result:
            result.append(item)
    return result


def _unknown_argument_message(name: str) -> str:
    if name in _NOT_ARGUMENTS:
        return f"'{name}' {_NOT_ARGUMENTS[name]}"
    guess = difflib.get_close_matches(name.replace("_", "-").lower(), list(_BY_NAME), n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"'{name}' is not a spark-submit argument we accept{hint}"


def _check_argument(name: str, raw: Any, dependencies: set[str], keytabs: set[str]) -> str | list[str]:
    """The normalised value of one known argument, or ValueError with the reason."""
    entry = _BY_NAME[name]
    kind = entry["kind"]
    if kind == "list":
        items = _as_list(raw)
        suffixes = _DEPENDENCY_SUFFIXES.get(name)
        if suffixes is not None:
            for item in items:
                if not item.lower().endswith(suffixes):
                    raise ValueError(f"'{item}' is not a {' / '.join(suffixes)} file")
                if item not in dependencies:
                    raise ValueError(
                        f"'{item}' is not in the Spark dependencies repository; upload it there first"
                    )
        return items
    if isinstance(raw, list | tuple | dict):
        raise ValueError(f"must be a single value, not a {type(raw).__name__}")
    if kind == "integer" and isinstance(raw, float):
        raise ValueError(f"must be a whole number greater than 0 (like 2), not {raw!r}")
    text = _as_text(raw)
    _check_text(text)
    if text == "":
        return text
    if kind == "memory" and not (_MEMORY.fullmatch(text) and int(re.sub(r"\D", "", text)) > 0):
        raise ValueError(
            f"'{text}' is not a memory size: write a whole number with an optional unit and no space, "
            "like 512m, 2g or 1024 (MiB)"
        )
    if kind == "integer" and not (_INTEGER.fullmatch(text) and int(text) > 0):
        raise ValueError(f"'{text}' is not a whole number greater than 0 (like 2)")
    if kind == "choice" and text not in entry.get("choices", []):
        raise ValueError(f"'{text}' is not one of {', '.join(entry.get('choices', []))}")
    if name == "keytab" and text not in keytabs:
        known = ", ".join(sorted(keytabs)) or "none uploaded yet"
        raise ValueError(f"'{text}' is not one of this group's keytabs ({known})")
    return text


def _check_conf(key: Any, raw: Any) -> tuple[str, str]:
    """The normalised (key, value) of one conf, or ValueError with the reason."""
    if not isinstance(key, str):
        raise ValueError("conf keys must be text")
    key = key.strip()
    if key in RESERVED_CONFS:
        raise ValueError(f"'{key}' is set by the operators for every job and cannot be configured")
    if key in KEYTAB_CONFS:
        raise ValueError(
            f"'{key}' is not accepted as a configuration: choose one of this group's keytabs with the "
            "'keytab' argument (each job gets a private copy of it)"
        )
    if len(key) > _MAX_KEY_CHARS:
        raise ValueError(f"the key is too long (at most {_MAX_KEY_CHARS} characters)")
    if not _CONF_KEY.fullmatch(key):
        if key.startswith(("hadoop.", "fs.", "yarn.", "dfs.", "mapreduce.")):
            raise ValueError(
                f"'{key}' is not a Spark conf key; Hadoop properties are passed as 'spark.hadoop.{key}'"
            )
        raise ValueError(
            f"'{key}' is not a Spark conf key: it must start with 'spark.' and contain only letters, "
            "digits and . _ - / : [ ] (no spaces or '=')"
        )
    if isinstance(raw, list | tuple | dict) or raw is None:
        raise ValueError("the value must be text")
    value = _as_text(raw)
    _check_text(value)
    if value == "":
        raise ValueError("the value is empty; give a value or remove the configuration")
    return key, value


def validate_spark_settings(
    arguments: dict, confs: dict, *, dependencies: set[str], keytabs: set[str]
) -> tuple[dict, dict]:
    """Normalise and check a group's Spark arguments and confs; `SparkSettingsError` lists every problem.

    `dependencies` are the names in the Spark dependencies repository (for `jars` / `py-files`),
    `keytabs` the group's keytab names (for `keytab`). Returns `(arguments, confs)` with values
    stripped, list arguments as lists, and empty arguments dropped.
    """
    errors: dict[str, str] = {}
    if not isinstance(arguments, dict):
        errors["arguments"] = "must be an object of argument names and values"
        arguments = {}
    if not isinstance(confs, dict):
        errors["confs"] = "must be an object of conf keys and values"
        confs = {}
    clean_args: dict[str, str | list[str]] = {}
    for raw_name, raw in arguments.items():
        name = raw_name.strip().removeprefix("--") if isinstance(raw_name, str) else str(raw_name)
        if name not in _BY_NAME:
            errors[name] = _unknown_argument_message(name)
            continue
        if name in clean_args:
            errors[name] = "is given twice"
            continue
        try:
            value = _check_argument(name, raw, dependencies, keytabs) if raw is not None else ""
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if value not in ("", []):
            clean_args[name] = value
    clean_confs: dict[str, str] = {}
    for raw_key, raw in confs.items():
        try:
            key, value = _check_conf(raw_key, raw)
        except ValueError as exc:
            errors[str(raw_key).strip()] = str(exc)
            continue
        if key in clean_confs:
            errors[key] = "is given twice"
            continue
        clean_confs[key] = value
    if errors:
        raise SparkSettingsError(errors)
    return clean_args, clean_confs


def to_spark_submit_options(arguments: Mapping[str, Any], confs: Mapping[str, str]) -> list[str]:
    """The spark-submit command-line fragment for validated settings: `--master yarn ... --conf k=v`."""
    options: list[str] = []
    for entry in KNOWN_ARGUMENTS:
        name = entry["name"]
        value = arguments.get(name)
        if value is None or value == "" or value == []:
            continue
        if name in _FLAGS:
            if str(value).lower() == "true":
                options.append(f"--{name}")
            continue
        text = ",".join(value) if isinstance(value, list | tuple) else str(value)
        options.extend((f"--{name}", text))
    for key, value in confs.items():
        options.extend(("--conf", f"{key}={value}"))
    return options
