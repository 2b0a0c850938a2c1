"""The HTML report, rendered from the JSON twin: one self-contained page (inline CSS and SVG, no script, no
remote resource). Jinja2 autoescapes every value and column name; the page is served with a sandboxing CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from wfo.eda.schemas import Report

TEMPLATES = Path(__file__).with_name("templates")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["heat"] = heat_colour
    return env


def number(value: Any, digits: int = 4) -> str:
    """A number for people: integers with thousands separators, floats with `digits` significant digits."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.{digits}g}"
    return str(value)


def heat_colour(value: float | None) -> str:
    """Red for +1, blue for −1, white for 0, grey for no value (a CSS colour; from numbers only)."""
    if value is None:
        return "#eeeeee"
    v = max(-1.0, min(1.0, float(value)))
    fade = int(255 * (1 - abs(v)))
    return f"rgb(255,{fade},{fade})" if v >= 0 else f"rgb({fade},{fade},255)"


def render(report: Report) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(r=report, title=_title(report))


def _title(report: Report) -> str:
    what = "Data importance" if report.kind == "data_importance" else "Preliminary report"
    return f"{what}: {report.source}"
