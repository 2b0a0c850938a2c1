"""Two api-server hosts writing the same code artifact: the version write lock holds across hosts.

Each "host" is a process with a run folder of its own (so the flock of one host cannot see the other's),
both on one PostgreSQL metadata database, taking the repository's own lock. The second must wait for the
first, seen in PostgreSQL's `pg_locks` (an advisory lock not granted), and get it once the first lets go.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

# One host: once told (a line on stdin), takes the code-artifact lock of "shared.py", says so, and lets go
# when told again. Both hosts start at once, so their imports overlap.
_HOST = """
import sys
from pathlib import Path
import airflow.settings
from wfo.repositories.code_artifacts import CodeArtifacts
from wfo.storage.objectstore import ObjectStore

repository = CodeArtifacts(ObjectStore(sys.argv[2]), lock_dir=Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
with repository._locked("shared.py"):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def _host(db_url: str, home: Path, store: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "WFO_"))}
    env |= {"AIRFLOW_HOME": str(home), "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url}
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", _HOST, str(home / "locks"), store.as_uri()],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _tell(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()


def _line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def test_the_version_lock_of_a_name_holds_across_two_hosts(postgres_url: str, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    engine = create_engine(postgres_url)

    def waiting_advisory_locks() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    )
                ).scalar_one()
            )

    first = _host(postgres_url, tmp_path / "host-a", store)
    second = _host(postgres_url, tmp_path / "host-b", store)
    try:
        assert _line(first) == "ready" and _line(second) == "ready"
        _tell(first)
        assert _line(first) == "locked"
        _tell(second)
        deadline = time.monotonic() + 60
        while waiting_advisory_locks() == 0:
            assert second.poll() is None, "the second host ended without waiting for the lock"
            assert time.monotonic() < deadline, "the second host never waited for the first one's lock"
            time.sleep(0.1)
        _tell(first)
        assert _line(first) == "released"
        assert _line(second) == "locked"
        _tell(second)
        assert _line(second) == "released"
        assert first.wait(30) == 0 and second.wait(30) == 0
        assert waiting_advisory_locks() == 0
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
        engine.dispose()
