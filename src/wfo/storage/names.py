"""Normalise user-supplied file names and relative paths so they can never leave their folder.

`safe_name` checks one path segment (an uploaded file's name); `safe_relative_path` checks a
`/`-separated relative path (an archive member, an object-store key) segment by segment and
returns its canonical form (`./a//b/` -> `a/b`).
"""

from __future__ import annotations

import re
import unicodedata

from wfo.storage.errors import UnsafeNameError

# Most file systems cap one name at 255 bytes; paths are capped well below PATH_MAX (4096).
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024

# Names Windows maps to devices, with or without an extension ("con", "NUL.txt", "com1.py").
_WINDOWS_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?", re.I | re.S)
# Characters that reorder how a name is displayed ("evil\u202egpj.py" shows as "evilyp.jpg").
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode categories a name may not contain, by allow-list of what is left: letters, marks, numbers,
# punctuation, symbols and spaces. These are invisible, ambiguous or not text at all: two names that
# look the same must not be two files.
_REFUSED_CATEGORIES = {
    "Cc": "the control character",
    "Cf": "the invisible formatting character",
    "Cs": "the lone surrogate",
    "Co": "the private-use character",
    "Cn": "the unassigned code point",
    "Zl": "the line separator",
    "Zp": "the paragraph separator",
}


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if category in _REFUSED_CATEGORIES or (category == "Zs" and char != " "):
        if ord(char) < 0x100:
            return f"\\x{ord(char):02x}"
        return f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"
    return char


def _describe(text: str) -> str:
    """The name quoted for a message: invisible characters escaped (`\\x00`), long names cut."""
    cut = text[:80] + "..." if len(text) > 80 else text
    return "'" + "".join(_visible(char) for char in cut) + "'"


def invisible_character(text: str) -> str | None:
    """A description of the first character of `text` a name may not hold (`U+200B, the invisible ...`).

    For labels that are not file names (titles, tags): the same allow-list of visible text.
    """
    for char in text:
        kind = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            return f"{kind} U+{ord(char):04X}"
    return None


def safe_name(name: str, *, max_bytes: int = MAX_NAME_BYTES, refuse_windows_devices: bool = True) -> str:
    """Return `name` (NFC-normalised) if it is a safe single file name, else raise `UnsafeNameError`.

    Refused: empty names, `.` and `..`, `/` or `\\` anywhere, NUL and other control characters,
    invisible characters (formatting such as U+200B, bidirectional overrides, line separators),
    surrogates, private-use and unassigned code points, leading or trailing white space, names longer
    than `max_bytes` in UTF-8 and, unless disabled, Windows device names such as `con` or `nul.txt`.
    """
    if not isinstance(name, str):
        raise UnsafeNameError(f"a file name must be text, not {type(name).__name__}")
    name = unicodedata.normalize("NFC", name)
    if name == "":
        raise UnsafeNameError("the file name is empty")
    if name in (".", ".."):
        raise UnsafeNameError(f"{name!r} is not a file name: it refers to a folder, not a file")
    if "\x00" in name:
        raise UnsafeNameError(f"the file name {_describe(name)} contains a NUL byte")
    if "/" in name:
        raise UnsafeNameError(f"the file name {_describe(name)} contains '/': give a name, not a path")
    if "\\" in name:
        raise UnsafeNameError(
            f"the file name {_describe(name)} contains a backslash, which Windows treats as a folder "
            "separator; rename the file"
        )
    for char in name:
        if char in _BIDI_CONTROLS:
            raise UnsafeNameError(
                f"the file name {_describe(name)} contains the text-direction character U+{ord(char):04X}, "
                "which can disguise its real extension"
            )
    invisible = invisible_character(name)
    if invisible is not None:
        raise UnsafeNameError(f"the file name {_describe(name)} contains {invisible}")
    if name != name.strip():
        raise UnsafeNameError(
            f"the file name {_describe(name)} starts or ends with white space, which is easy to miss; "
            "remove it"
        )
    size = len(name.encode("utf-8"))
    if size > max_bytes:
        raise UnsafeNameError(
            f"the file name {_describe(name)} is too long: {size} bytes, at most {max_bytes} allowed"
        )
    if refuse_windows_devices and _WINDOWS_DEVICE.fullmatch(name):
        raise UnsafeNameError(
            f"the file name {_describe(name)} is a reserved Windows device name (con, prn, aux, nul, "
            "com1-9, lpt1-9); rename the file"
        )
    return name


def safe_relative_path(
    path: str,
    *,
    max_bytes: int = MAX_PATH_BYTES,
    max_name_bytes: int = MAX_NAME_BYTES,
    refuse_windows_devices: bool = True,
) -> str:
    """Return the canonical form of a `/`-separated relative path, or raise `UnsafeNameError`.

    Empty segments and `.` segments are dropped (`./a//b/` -> `a/b`); absolute paths, drive letters,
    `..` segments, backslashes and every segment `safe_name` refuses are errors.
    """
    if not isinstance(path, str):
        raise UnsafeNameError(f"a path must be text, not {type(path).__name__}")
    if path == "":
        raise UnsafeNameError("the path is empty")
    if "\x00" in path:
        raise UnsafeNameError(f"the path {_describe(path)} contains a NUL byte")
    if "\\" in path:
        raise UnsafeNameError(f"the path {_describe(path)} contains a backslash; use '/' to separate folders")
    if path.startswith("/"):
        raise UnsafeNameError(f"the path {_describe(path)} is absolute; only relative paths are allowed")
    if re.match(r"^[A-Za-z]:", path):
        raise UnsafeNameError(f"the path {_describe(path)} starts with a drive letter; use a relative path")
    # "surrogatepass": a lone surrogate is refused below with its reason, not as an encoding crash.
    size = len(path.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise UnsafeNameError(f"the path {_describe(path)} is too long: {size} bytes, at most {max_bytes}")
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if not segments:
        raise UnsafeNameError(f"the path {_describe(path)} names no file")
    if ".." in segments:
        raise UnsafeNameError(
            f"the path {_describe(path)} contains '..', which would leave the target folder"
        )
    for segment in segments:
        try:
            safe_name(segment, max_bytes=max_name_bytes, refuse_windows_devices=refuse_windows_devices)
        except UnsafeNameError as exc:
            raise UnsafeNameError(f"the path {_describe(path)} is refused: {exc}") from None
    return "/".join(unicodedata.normalize("NFC", segment) for segment in segments)
