"""Two nightly runs never overlap: the second gets AlreadyRunning, on SQLite (file lock)
and PostgreSQL (advisory lock); the lock is free again afterwards."""

from __future__ import annotations

import pytest

from clipper.ops.locking import AlreadyRunning, nightly_lock
from clipper.store.engine import create_db_engine


def test_second_lock_is_refused_then_free_again(database_url):
    first_engine = create_db_engine(database_url)
    # A second engine stands for a second process (its own connections).
    second_engine = create_db_engine(database_url, migrate=False)
    with (
        nightly_lock(first_engine),
        pytest.raises(AlreadyRunning, match="another clipper nightly run"),
        nightly_lock(second_engine),
    ):
        pass
    with nightly_lock(second_engine):
        pass
