"""The signing key of published config groups: made once by `wfo up`, its public half handed to every task."""

from __future__ import annotations

import configparser
import stat
from pathlib import Path

from wfo.cli.airflow_config import child_environment, worker_exports, write_config
from wfo.clusters.signing import installed_public_key, key_path
from wfo.settings import load_settings


def _cfg_key(path: Path) -> str:
    parser = configparser.RawConfigParser()
    parser.read(path)
    return parser.get("wfo", "signing_public_key")


def test_the_first_start_makes_a_private_key_and_publishes_its_public_half(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    cfg = write_config(settings)
    key = key_path(tmp_path)
    assert key.parent == tmp_path / "keys"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    public = installed_public_key(tmp_path)
    assert public and public.startswith("ed25519:")
    assert _cfg_key(cfg) == public
    # What tasks started by `wfo up` read (environment first, then airflow.cfg) ...
    assert load_settings({"WFO_HOME": str(tmp_path)}).signing_public_key == public
    # ... and what a remote worker exports.
    assert worker_exports(settings)["WFO_SIGNING_PUBLIC_KEY"] == public
    assert "PRIVATE" not in "".join(worker_exports(settings).values())


def test_later_starts_keep_the_key_and_a_deleted_key_is_rotated(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    first = _cfg_key(write_config(settings))
    assert _cfg_key(write_config(settings)) == first
    key_path(tmp_path).unlink()
    rotated = _cfg_key(write_config(settings))
    assert rotated != first and rotated == installed_public_key(tmp_path)


def test_children_get_the_installed_public_key_not_a_stale_exported_one(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path)})
    stale = {"PATH": "/usr/bin", "WFO_SIGNING_PUBLIC_KEY": "ed25519:c3RhbGUgb3IgZm9yZ2Vk"}
    assert "WFO_SIGNING_PUBLIC_KEY" not in child_environment(settings, stale), "no key yet: nothing to trust"
    write_config(settings)
    assert child_environment(settings, stale)["WFO_SIGNING_PUBLIC_KEY"] == installed_public_key(tmp_path)
