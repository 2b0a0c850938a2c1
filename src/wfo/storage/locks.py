"""A per-name write lock: an flock on a file in the run folder (the processes of one host) and, where the
metadata database is PostgreSQL and the caller asks for it, a PostgreSQL advisory lock (every host).

The repositories take it around read-modify-write of a manifest, so two uploads of the same name (two
api-server workers, two api-server hosts sharing the object store, a retried request) never lose a version.
The advisory lock is session-level, on a connection of Airflow's pool held for the lock's duration; if the
process dies, PostgreSQL releases it with the connection (docs/production.md, "several hosts").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path


def lock_key(prefix: str, name: str) -> int:
    """The advisory lock's key: a signed 64-bit number from the lock's prefix and name."""
    digest = hashlib.sha256(f"wfo:{prefix}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def _database_lock(prefix: str, name: str) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock of `name` when Airflow's metadata DB is PostgreSQL; else nothing."""
    from airflow import settings
    from sqlalchemy import text

    engine = settings.engine
    if engine is None or engine.dialect.name != "postgresql":
        yield
        return
    key = {"key": lock_key(prefix, name)}
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
            conn.commit()


@contextlib.contextmanager
def name_lock(lock_dir: Path | None, prefix: str, name: str, *, across_hosts: bool = False) -> Iterator[None]:
    """Hold the lock of `name` (file `<prefix>-<digest>.lock` in `lock_dir`; with `across_hosts`, also the
    PostgreSQL advisory lock of the same name). No lock without a folder."""
    if lock_dir is None:
        yield
        return
    lock_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    with open(lock_dir / f"{prefix}-{digest}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with _database_lock(prefix, name) if across_hosts else contextlib.nullcontext():
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
