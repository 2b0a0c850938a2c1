"""WFO_SPARK_CONNECT and WFO_SPARK_CONNECT_MEMORY: the Spark Connect server of `wfo up`."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfo.settings import SettingsError, load_settings


def test_the_server_starts_lazily_with_one_gigabyte_by_default(tmp_path: Path) -> None:
    settings = load_settings({"WFO_HOME": str(tmp_path), "WFO_PORT": "9000"})
    assert (settings.spark_connect, settings.spark_connect_memory) == ("lazy", "1g")
    assert settings.spark_connect_port == 14000


def test_values_are_normalised(tmp_path: Path) -> None:
    settings = load_settings(
        {"WFO_HOME": str(tmp_path), "WFO_SPARK_CONNECT": " ON ", "WFO_SPARK_CONNECT_MEMORY": "512M"}
    )
    assert (settings.spark_connect, settings.spark_connect_memory) == ("on", "512m")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WFO_SPARK_CONNECT", "sometimes", "WFO_SPARK_CONNECT must be one of lazy, on, off, not 'sometimes'"),
        ("WFO_SPARK_CONNECT_MEMORY", "1 GiB", "WFO_SPARK_CONNECT_MEMORY must be a size like 1g or 512m"),
        ("WFO_SPARK_CONNECT_MEMORY", "0g", "WFO_SPARK_CONNECT_MEMORY must be a size like 1g or 512m"),
    ],
)
def test_bad_values_are_refused_with_their_name(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"WFO_HOME": str(tmp_path), name: value})
