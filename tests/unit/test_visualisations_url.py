"""Validation of the BI dashboard URL."""

from __future__ import annotations

import pytest

from wfo.visualisations import InvalidDashboardUrl, validate_url


@pytest.mark.parametrize(
    "url", ["https://bi.example.com/d/1?x=1#y", "http://10.0.0.5:3000/", " https://a.b "]
)
def test_http_and_https_urls_are_accepted(url: str) -> None:
    assert validate_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "http:// or https://"),
        ("ftp://files.example.com", "http:// or https://"),
        ("//bi.example.com", "http:// or https://"),
        ("https://", "no host"),
        ("https://user:pw@bi.example.com", "user name or password"),
        ("https://bi.example.com/a b", "spaces"),
        ("https://bi.example.com:99999/", "invalid port"),
        ("", "empty"),
        ("https://x/" + "a" * 3000, "longer than"),
    ],
)
def test_other_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidDashboardUrl, match=reason):
        validate_url(url)
