"""The HTML report: self-contained, charts as inline SVG, every value and column name shown as text."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import escape

from wfo.eda.engine.profile import profile_file
from wfo.eda.report_html import render

HOSTILE_NAME = '"><img src=x onerror=alert(1)>'
SCRIPT_VALUE = "<script>alert('x')</script>"
FORMULA = "=cmd|' /C calc'!A0"


def report_html(tmp_path: Path) -> str:
    path = tmp_path / "hostile.csv"
    header = f'n,"{HOSTILE_NAME.replace(chr(34), chr(34) * 2)}",名前'
    rows = [f'{i},"{SCRIPT_VALUE}",é' if i % 2 else f'{i},"{FORMULA}",ü' for i in range(6)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return render(profile_file(path, source="file:///data/<hostile>.csv"))


def test_values_and_names_are_text(tmp_path: Path) -> None:
    page = report_html(tmp_path)
    assert "<script" not in page and "<img" not in page
    assert escape(HOSTILE_NAME) in page
    assert escape(SCRIPT_VALUE) in page
    assert escape(FORMULA) in page  # shown as the text it is
    assert "名前" in page and "&lt;hostile&gt;" in page


def test_self_contained_with_charts(tmp_path: Path) -> None:
    page = report_html(tmp_path)
    assert page.count("<svg") >= 3  # histogram, top values, ...
    assert "default-src 'none'" in page
    # Nothing is loaded from anywhere: no src/href attributes, no url() in styles.
    assert not re.search(r"<[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page


def test_empty_source_renders(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    page = render(profile_file(path, source="empty.csv"))
    assert "Preliminary report: empty.csv" in page and "no columns and no rows" in page
