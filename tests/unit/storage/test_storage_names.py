"""File names and relative paths from users: hostile ones are refused with the reason, safe ones kept."""

from __future__ import annotations

import pytest

from wfo.storage.errors import StorageError, UnsafeNameError
from wfo.storage.names import safe_name, safe_relative_path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("..", "refers to a folder"),
        (".", "refers to a folder"),
        ("/etc/passwd", "contains '/'"),
        ("a/b.py", "contains '/'"),
        ("..\\..\\win.ini", "backslash"),
        ("a\x00b", "NUL"),
        ("a\nb.py", "control character U+000A"),
        ("bell\x07.py", "control character U+0007"),
        ("evil\u202egpj.py", "text-direction"),
        ("con", "reserved Windows device"),
        ("NUL.txt", "reserved Windows device"),
        ("com1.py", "reserved Windows device"),
        ("x" * 256, "too long: 256 bytes, at most 255"),
        ("é" * 128, "too long: 256 bytes"),
    ],
)
def test_unsafe_file_names_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(UnsafeNameError, match=reason.replace("(", r"\(").replace("+", r"\+")):
        safe_name(name)


def test_name_errors_are_value_errors_so_callers_can_map_them_to_400() -> None:
    with pytest.raises(ValueError):
        safe_name("..")
    assert issubclass(UnsafeNameError, StorageError)


def test_message_shows_control_characters_escaped_not_raw() -> None:
    with pytest.raises(UnsafeNameError) as info:
        safe_name("a\x00b")
    assert "\x00" not in str(info.value)
    assert "a\\x00b" in str(info.value)


@pytest.mark.parametrize("name", ["model.py", "données.csv", "..hidden", "...", "job-1.2.jar", "x" * 255])
def test_ordinary_names_are_kept(name: str) -> None:
    assert safe_name(name) == name


def test_windows_device_names_can_be_allowed() -> None:
    assert safe_name("con", refuse_windows_devices=False) == "con"
    # Only the exact device name is reserved, not names that merely start with it.
    assert safe_name("console.py") == "console.py"


def test_names_are_unicode_normalised_so_lookalikes_are_one_name() -> None:
    decomposed = "cafe\u0301.py"
    assert safe_name(decomposed) == "caf\u00e9.py"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../../x", "contains '..'"),
        ("a/../../b", "contains '..'"),
        ("a/..", "contains '..'"),
        ("/etc/passwd", "absolute"),
        ("//server/share/x", "absolute"),
        ("C:/Windows/x", "drive letter"),
        ("c:x", "drive letter"),
        ("a\\..\\..\\b", "backslash"),
        ("a/b\x00c", "NUL"),
        ("a/b\x1b[31m/c", "control character"),
        ("", "empty"),
        ("./", "names no file"),
        ("dags/con/x.py", "reserved Windows device"),
        ("a/" * 600, "too long"),
        ("d/" + "x" * 300, "too long: 300 bytes"),
    ],
)
def test_unsafe_relative_paths_are_refused_with_the_reason(path: str, reason: str) -> None:
    with pytest.raises(UnsafeNameError, match=reason):
        safe_relative_path(path)


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("a/b.py", "a/b.py"),
        ("./a//b/", "a/b"),
        ("./dags/./x.py", "dags/x.py"),
        ("..x/y", "..x/y"),
    ],
)
def test_relative_paths_get_one_canonical_form(path: str, canonical: str) -> None:
    assert safe_relative_path(path) == canonical
