"""One nightly run at a time: a file lock beside a SQLite database, a session-level
advisory lock on PostgreSQL (held by a dedicated connection for the run's lifetime)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Engine, text

# pg_try_advisory_lock key: any constant unique to clipper ("clip" in ASCII).
ADVISORY_KEY = 0x636C6970


class AlreadyRunning(RuntimeError):
    """Another nightly run holds the lock."""


@contextlib.contextmanager
def nightly_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        path = Path(database).with_suffix(".nightly.lock")
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyRunning(
                f"another clipper nightly run is using {database} (lock file {path})"
            ) from None
        try:
            yield
        finally:
            lock.release()
        return
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        conn.commit()
        if not got:
            raise AlreadyRunning("another clipper nightly run holds the database's advisory lock")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            conn.commit()
