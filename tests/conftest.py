"""Shared fixtures: one real `wfo up` platform per test session (DESIGN §9 "Tests stay fast")."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its configuration when first imported: give this pytest process a throwaway home so
# importing our plugin or Airflow modules in-process never touches ~/airflow. Each xdist worker inherits
# the controller's environment: it makes its own home (the in-process tests write SQLite there).
if (
    "AIRFLOW_HOME" not in os.environ
    or os.environ.get("WFO_PYTEST_AIRFLOW_HOME") == os.environ["AIRFLOW_HOME"]
):
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="wfo-pytest-airflow-")
    os.environ["WFO_PYTEST_AIRFLOW_HOME"] = os.environ["AIRFLOW_HOME"]
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__AUTH_MANAGER"] = (
        "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    )

sys.path.insert(0, str(Path(__file__).parent))

from helpers.platform_runner import ROLE_USERS, Platform, free_port, instance_processes, role_password

ARTIFACTS = Path(
    os.environ.get("WFO_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts")
)


# Tiers in the order they run: the unit tier (seconds, no platform) reports first; a platform is started
# only when the first integration test needs it.
TIERS = ("unit", "integration", "e2e")


# Workers (`-n auto` in pyproject.toml): the integration tier mostly waits on Airflow (a scheduler loop, a
# task process starting), so two sessions with a platform each fill a 2-core machine; more than three only
# multiply the platforms' memory and idle CPU. `--no-loadscope-reorder` keeps each worker's files in the
# order below (xdist would start the biggest files first): unit tier first, fuzzing last on its platform.
MAX_WORKERS = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


# Files that start a platform of their own (minutes on 2 cores) go first in their tier, so a worker does
# not end the session with one while the other has finished (longest first balances the workers).
LONG_FIRST = ("integration/test_up_lifecycle.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def order(item: pytest.Item) -> tuple[int, int]:
        if item.get_closest_marker("fuzz"):
            return len(TIERS) + 1, 0  # fuzzing leaves junk on the session platform: after everything else
        relative = item.path.relative_to(Path(__file__).parent)
        tier = TIERS.index(relative.parts[0]) if relative.parts[0] in TIERS else len(TIERS)
        return tier, 0 if relative.as_posix() in LONG_FIRST else 1

    items.sort(key=order)  # stable: each tier keeps pytest's own order otherwise


def _tune_spark_for_tests(platform: Platform) -> None:
    """What an admin sets on a small machine: Spark's 200 shuffle partitions and its web UI cost every
    test job seconds on 2 cores. Operator confs still win (tests/integration/operators)."""
    path = "/config-groups/default/spark"
    section = platform.api("GET", path, expected=(200,)).json()
    confs = {**section["confs"], "spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"}
    body = {"arguments": section["arguments"], "confs": confs, "spark_home": section["spark_home"]}
    platform.api("PUT", path, json_body=body, expected=(200,))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A running `wfo up` on a free port, with one user per role (password = `role_password`)."""
    home = tmp_path_factory.mktemp("platform") / "home"
    instance = Platform(home=home, port=free_port(), admin_password=secrets.token_urlsafe(16))
    # A named object-store connection, as production has: the local store ignores it, but Airflow's
    # connections API must refuse non-Admin writes to it (tests/integration/security/).
    instance.start(WFO_OBJECT_STORE_CONN_ID="wfo_test_object_store")
    try:
        for username, role in ROLE_USERS.items():
            if username != "admin":
                instance.create_user(username, role, role_password(username))
        _tune_spark_for_tests(instance)
        yield instance
    finally:
        code = instance.stop()
        left = instance_processes(home)
        if code != 0 or left:
            print(f"platform stop: exit {code}, left over: {left}\n{instance.output()[-3000:]}")
