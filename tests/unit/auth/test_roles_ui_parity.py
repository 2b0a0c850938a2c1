"""The UI names our FAB resources and actions itself (`ui/src/nav.tsx` `RESOURCES`, `ui/src/api/types.ts`
`Permission`) to show pages and controls from `GET /me`: a name that drifts from `wfo.auth.roles` hides a page
from everyone who may use it. These read the TypeScript sources and compare."""

from __future__ import annotations

import re
from pathlib import Path

from wfo.auth import roles

UI_SRC = Path(__file__).resolve().parents[3] / "src" / "wfo" / "ui" / "src"

# Resources no page or control of the UI asks about (they guard exports and Airflow's connections API).
NOT_IN_THE_UI = {roles.CONFIG_GROUP_SECRETS, roles.PUBLISHED_CONNECTIONS}


def _block(path: Path, start: str) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(re.escape(start) + r"(.*?)(?:\}|;)\s*(?:as const;)?\n", text, re.DOTALL)
    assert match, f"{start!r} not found in {path}"
    return match.group(1)


def _ui_resources() -> dict[str, str]:
    block = _block(UI_SRC / "nav.tsx", "export const RESOURCES = {")
    return dict(re.findall(r'^\s*(\w+):\s*"([^"]+)",', block, re.MULTILINE))


def test_the_ui_names_every_resource_it_uses_as_the_permission_table_does() -> None:
    names = _ui_resources()
    assert len(names) >= 5, f"could not read RESOURCES from nav.tsx: {names}"
    unknown = set(names.values()) - roles.OUR_RESOURCES
    assert not unknown, f"nav.tsx RESOURCES names resources wfo.auth.roles does not grant: {sorted(unknown)}"
    # A new resource needs a decision: a page or control in the UI, or listed in NOT_IN_THE_UI.
    assert set(names.values()) == roles.OUR_RESOURCES - NOT_IN_THE_UI


def test_every_resource_name_quoted_in_the_ui_sources_exists() -> None:
    quoted: dict[str, set[str]] = {}
    for path in UI_SRC.rglob("*.ts*"):
        if path.name.endswith(".gen.ts"):
            continue
        for name in re.findall(r'"(WFO [^"]+)"', path.read_text(encoding="utf-8")):
            quoted.setdefault(name, set()).add(str(path.relative_to(UI_SRC)))
    assert quoted, "no resource name found in the UI sources"
    unknown = {name: sorted(files) for name, files in quoted.items() if name not in roles.OUR_RESOURCES}
    assert not unknown, f"the UI sources quote resources wfo.auth.roles does not have: {unknown}"


def test_the_ui_permission_names_are_the_actions_routes_check() -> None:
    block = _block(UI_SRC / "api" / "types.ts", "export type Permission =")
    assert set(re.findall(r'"(\w+)"', block)) == {
        roles.CAN_READ,
        roles.CAN_EDIT,
        roles.CAN_CREATE,
        roles.CAN_DELETE,
    }
