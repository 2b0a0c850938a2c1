"""Validation of the BI dashboard URL."""

from __future__ import annotations

import pytest

from wfo.visualisations import InvalidDashboardUrl, validate_url


@pytest.mark.parametrize(
    "url",
    [
        "https://bi.example.com/d/1?x=1#y",
        "http://10.0.0.5:3000/",
        " https://a.b ",
        "http://[::1]:8088/superset",
        "http://bi_server:8088/",
        "https://bücher.example/d/1",
        "http://localhost",
    ],
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
        ("http://[::1", "cannot be read: Invalid IPv6 URL"),
        ("http://[zz]/", "cannot be read"),
        ("http://]::1[/", "cannot be read"),
        ("http://[::1]x/", "is not a host name or address"),
        ("http://[::1]]/", "is not a host name or address"),
        ("http://[v1.fe]/", "is not an IPv6 address"),
        ("http://%zz/", "is not a valid host name"),
        ("http://a..b/", "is not a valid host name"),
        ("http://-a.b/", "is not a valid host name"),
        ("http://" + "a" * 64 + ".example/", "is not a valid host name"),
        ("http://\u2100/", "cannot be read"),
        ("https://bi.example.com/\ud800", "lone surrogate"),
        ("https://user@bi.example.com", "user name or password"),
        ("", "empty"),
        ("https://x/" + "a" * 3000, "longer than"),
    ],
)
def test_other_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidDashboardUrl, match=reason):
        validate_url(url)
