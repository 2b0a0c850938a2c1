"""Which Hadoop properties decide what code runs: they name a class, a script, a command or a classpath.

Hadoop loads classes and runs programs named in its configuration (`*.impl`, `*.class`, `*.provider`,
`net.topology.script.file.name`, `dfs.ha.fencing.methods = shell(...)`, `mapreduce.map.java.opts` ...),
so such a property is a code setting: only a role with `WFO Cluster Code Settings` can_edit may add,
change or remove it (DESIGN §5). Hadoop has thousands of keys and no registry of which ones load code, so
a property is classified by its key (words such as class, impl, script, provider, factory, filter, codec,
opts, env ...) *and* by its value (a Java class name or a list of them, `shell(...)`, a script or library
file, a `${...}` reference), which catches unknown keys holding classes too. Wrongly calling a harmless
property code costs an Op a request to an Admin; the opposite runs a stranger's code, so the rules lean
that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words of a key (split at '.', '-', '_' and camelCase) that make it a code setting.
CODE_KEY_WORDS = frozenset(
    {
        "agent", "classpath", "cmd", "codec", "codecs", "command", "commands", "env", "environment",
        "exec", "executable", "executor", "extension", "extensions", "factories", "factory", "fencing",
        "filter", "filters", "hook", "hooks", "impl", "impls", "initializer", "initializers", "interceptor",
        "interceptors", "jar", "jars", "lib", "libjars", "libraries", "library", "listener", "listeners",
        "loader", "module", "modules", "opts", "plugin", "plugins", "program", "provider", "providers",
        "script", "scripts", "serialization", "serializations", "serializer", "serializers", "shell",
        "tmparchives", "tmpfiles", "tmpjars",
    }
)  # fmt: skip
# Keys that load code under a name none of those words give away.
CODE_KEYS = frozenset(
    {
        "hadoop.security.group.mapping",
        "hadoop.http.authentication.type",
        "mapreduce.application.framework.path",
        "mapreduce.job.cache.files",
        "mapreduce.job.cache.archives",
    }
)
_WORDS = re.compile(r"[.\-_/]+|(?<=[a-z0-9])(?=[A-Z])")
# A Java class name: dotted identifiers with at least one segment after the first in CapitalCase, or a
# nested class (`$`). Hostnames (lowercase by convention) stay out.
_CLASS_NAME = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+", re.ASCII)
_PROGRAM_SUFFIXES = (
    ".sh", ".bash", ".ksh", ".zsh", ".py", ".pl", ".rb", ".jar", ".so", ".dylib", ".dll", ".class",
    ".exe", ".bat", ".cmd", ".ps1", ".war",
)  # fmt: skip


def _key_words(name: str) -> list[str]:
    return [word.lower() for word in _WORDS.split(name) if word]


def is_class_name(text: str) -> bool:
    if _CLASS_NAME.fullmatch(text) is None:
        return False
    segments = text.split(".")
    return "$" in text or any(segment[:1].isupper() for segment in segments[1:])


def _entries(value: str) -> list[str]:
    return [entry for entry in re.split(r"[\s,;:]+", value) if entry]


def code_reason(name: str, value: str) -> str | None:
    """None when the property `name=value` is not a code setting; otherwise why it is one."""
    key = name.strip()
    if key in CODE_KEYS:
        return "loads code"
    words = _key_words(key)
    word = next((w for w in words if w in CODE_KEY_WORDS or "class" in w), None)
    if word is not None:
        return f"its name says {word!r}"
    text = value.strip()
    if "shell(" in text.replace(" ", "").lower():
        return "runs a shell command"
    if "${" in text:
        return "refers to another property or the environment (${...})"
    for entry in _entries(text):
        if is_class_name(entry):
            return f"names the class {entry!r}"
        if entry.lower().endswith(_PROGRAM_SUFFIXES):
            return f"names the program or library {entry!r}"
    return None


def is_code_property(name: str, value: str) -> bool:
    return code_reason(name, value) is not None


def code_properties(properties: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The code settings among `(name, value)` pairs, as name -> value."""
    return {name: value for name, value in properties if is_code_property(name, value)}
