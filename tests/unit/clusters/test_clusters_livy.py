"""Livy settings (kernel_python_credentials / kernel_scala_credentials): accepted, normalised, refused.

Single values are the model's (`LivyUpdate`), the rules over what is stored (passwords) the service's
(`livy_section.settle`); both name each refused setting `<kernel>.<field>`.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wfo.clusters.livy import LivySettingsError
from wfo.clusters.livy_section import settle
from wfo.clusters.schemas import LivyUpdate
from wfo.clusters.validation import problems


def validate_livy(
    payload: Any, previous: dict[str, str] | None, urls: dict[str, str] | None
) -> tuple[dict[str, dict[str, str]], dict[str, str | None]]:
    return settle(LivyUpdate.model_validate(payload), previous or {}, urls or {})


def refusal(payload: Any, previous: dict[str, str] | None = None, urls: dict[str, str] | None = None) -> dict[str, str]:
    """The refused settings and why: by the model (a value) or by the service (the stored state)."""
    try:
        update = LivyUpdate.model_validate(payload)
    except ValidationError as exc:
        return problems(exc, LivyUpdate)
    with pytest.raises(LivySettingsError) as caught:
        settle(update, previous or {}, urls or {})
    assert str(caught.value).startswith("invalid Livy settings: ")
    assert caught.value.status == 422
    return caught.value.errors


def test_settings_and_passwords_are_returned_apart() -> None:
    settings, passwords = validate_livy(
        {
            "python": {
                "url": " https://livy.example.com:8998 ",
                "auth": "Basic_Access",
                "username": " ana ",
                "password": " s3cret ",
            },
            "scala": {"url": "http://livy:8998/", "auth": "Kerberos", "username": ""},
        },
        None,
        None,
    )
    assert settings == {
        "python": {"url": "https://livy.example.com:8998", "auth": "Basic_Access", "username": "ana"},
        "scala": {"url": "http://livy:8998/", "auth": "Kerberos", "username": ""},
    }
    assert passwords == {"python": " s3cret ", "scala": None}


def test_missing_kernel_or_fields_mean_no_endpoint() -> None:
    settings, passwords = validate_livy({"python": {"url": ""}}, None, None)
    assert settings["python"] == settings["scala"] == {"url": "", "auth": "None", "username": ""}
    assert passwords == {"python": None, "scala": None}


def test_absent_password_keeps_the_stored_one_and_empty_clears_it() -> None:
    previous = {"python": "old-py", "scala": "old-scala"}
    _, passwords = validate_livy(
        {
            "python": {"url": "http://l:8998", "auth": "Basic_Access", "username": "u"},
            "scala": {"url": "http://l:8998", "auth": "None", "username": "", "password": ""},
        },
        previous,
        {"python": "http://L:8998/old/path", "scala": "http://l:8998"},
    )
    assert passwords == {"python": "old-py", "scala": None}


@pytest.mark.parametrize(
    "new_url",
    ["https://livy.example.com:8998", "http://attacker.example.com:8998", "http://livy.example.com:8999"],
)
def test_a_url_pointing_at_another_server_needs_the_password_again(new_url: str) -> None:
    # The stored password must not follow the URL to a server an editor chose (scheme, host or port).
    old = {"python": "http://livy.example.com:8998"}
    body = {"python": {"url": new_url, "auth": "Basic_Access", "username": "u"}}
    assert refusal(body, {"python": "old-pw"}, old) == {
        "python.password": "the URL now points at another server: give the password again for the new URL"
    }
    _, passwords = validate_livy(
        {"python": {**body["python"], "password": "new-pw"}}, {"python": "old-pw"}, old
    )
    assert passwords["python"] == "new-pw"
    # Without Basic_Access the change is accepted, and the old password is gone for good.
    _, passwords = validate_livy({"python": {"url": new_url}}, {"python": "old-pw"}, old)
    assert passwords["python"] is None


def test_default_ports_and_paths_do_not_count_as_another_server() -> None:
    _, passwords = validate_livy(
        {"python": {"url": "http://LIVY.example.com:80/livy", "auth": "Basic_Access", "username": "u"}},
        {"python": "pw"},
        {"python": "http://livy.example.com"},
    )
    assert passwords["python"] == "pw"


def test_password_set_flag_echoed_by_the_ui_is_ignored() -> None:
    _, passwords = validate_livy(
        {"python": {"url": "", "auth": "None", "username": "", "password_set": True}}, {"python": "p"}, None
    )
    assert passwords["python"] == "p"


def test_auth_is_one_of_the_three_modes() -> None:
    payload = {"python": {"url": "", "auth": "kerberos"}, "scala": {"auth": ""}}
    settings, _ = validate_livy(payload, None, None)
    assert settings["python"]["auth"] == "Kerberos" and settings["scala"]["auth"] == "None"
    assert refusal({"python": {"auth": "Digest"}}) == {
        "python.auth": "'Digest' is not one of None, Basic_Access, Kerberos"
    }


def test_basic_access_needs_a_user_name_and_a_password() -> None:
    errors = refusal({"python": {"url": "http://livy:8998", "auth": "Basic_Access", "username": ""}})
    assert errors == {
        "python.username": "Basic_Access needs a user name",
        "python.password": "Basic_Access needs a password",
    }
    cleared = refusal(
        {"scala": {"url": "http://livy:8998", "auth": "Basic_Access", "username": "u", "password": ""}},
        {"scala": "old"},
        {"scala": "http://livy:8998"},
    )
    assert cleared == {"scala.password": "Basic_Access needs a password"}


def test_clearing_the_url_is_always_possible() -> None:
    settings, _ = validate_livy({"python": {"url": "", "auth": "Basic_Access", "username": ""}}, None, None)
    assert settings["python"]["url"] == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("livy:8998", "is not an absolute http:// or https:// URL"),
        ("ftp://livy:8998", "is not an absolute http:// or https:// URL"),
        ("http://", "is not an absolute http:// or https:// URL"),
        ("/livy", "is not an absolute http:// or https:// URL"),
        ("http://livy:99999", "is not a valid URL"),
        ("http://livy :8998", "contains spaces"),
        ("http://ana:pw@livy:8998", "not in the URL"),
        ("http://livy:8998\n", "control character"),
    ],
)
def test_bad_urls_are_refused(url: str, message: str) -> None:
    errors = refusal({"python": {"url": url}})
    assert list(errors) == ["python.url"]
    assert message in errors["python.url"]


def test_unknown_kernels_fields_and_shapes_are_refused() -> None:
    errors = refusal({"python": {"url": "", "pasword": "x"}, "r": {}, "scala": "http://x"})
    assert errors == {
        "python.pasword": "is not a known setting (known: url, auth, username, password)",
        "r": "is not a known setting (known: python, scala)",
        "scala": "must be an object with url, auth, username and password",
    }
    assert refusal(["python"]) == {"": "Input should be a valid dictionary or instance of LivyUpdate"}
    assert refusal({"python": {"username": 3}}) == {"python.username": "must be text, not int"}
    assert "control character" in refusal({"python": {"password": "a\nb"}})["python.password"]
