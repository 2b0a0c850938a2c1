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


def test_name_errors_are_storage_errors_answered_with_422() -> None:
    with pytest.raises(StorageError) as info:
        safe_name("..")
    assert isinstance(info.value, UnsafeNameError) and info.value.status == 422


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


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("report\u200b.py", "invisible formatting character U+200B"),
        ("\u2060job.py", "invisible formatting character U+2060"),
        ("\ufeffdag.py", "invisible formatting character U+FEFF"),
        ("soft\u00adhyphen.py", "invisible formatting character U+00AD"),
        ("a\ud800b.py", "lone surrogate U+D800"),
        ("icon\ue000.py", "private-use character U+E000"),
        ("x\U000f0000.py", "private-use character U+F0000"),
        ("future\U000e0080.py", "unassigned code point U+E0080"),
        ("two\u2028lines.py", "line separator U+2028"),
        ("two\u2029paras.py", "paragraph separator U+2029"),
        (" leading.py", "starts or ends with white space"),
        ("trailing.py ", "starts or ends with white space"),
        ("nbsp.py\u00a0", "starts or ends with white space"),
        ("\u3000wide.py", "starts or ends with white space"),
        ("   ", "starts or ends with white space"),
    ],
)
def test_invisible_and_non_text_characters_are_refused(name: str, reason: str) -> None:
    with pytest.raises(UnsafeNameError, match=reason.replace("+", r"\+")):
        safe_name(name)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("report\u200b.py", "'report\\u200b.py'"),
        ("a\ud800b.py", "'a\\ud800b.py'"),
        ("x\U000f0000.py", "'x\\U000f0000.py'"),
        ("nbsp.py\u00a0", "'nbsp.py\\xa0'"),
    ],
)
def test_messages_escape_the_invisible_character(name: str, shown: str) -> None:
    with pytest.raises(UnsafeNameError) as info:
        safe_name(name)
    message = str(info.value)
    assert shown in message
    assert name not in message


def test_relative_paths_refuse_invisible_characters_in_any_segment() -> None:
    with pytest.raises(UnsafeNameError, match=r"U\+200B"):
        safe_relative_path("team/etl\u200b.py")
    with pytest.raises(UnsafeNameError, match="white space"):
        safe_relative_path("team /etl.py")
    with pytest.raises(UnsafeNameError, match="lone surrogate"):
        safe_relative_path("team/\udc80.py")


@pytest.mark.parametrize("name", ["my report.py", "données 2024.csv", "数据.py", "данные.csv", "a\u00a0b.txt"])
def test_spaces_inside_names_and_non_latin_names_are_kept(name: str) -> None:
    assert safe_name(name) == name
