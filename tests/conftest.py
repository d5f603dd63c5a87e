"""Fixtures shared by every test: the local mirror, and (through the ``fixtures_db`` plugin)
``database_url``/``engine`` on SQLite and PostgreSQL. Saved-page helpers are in pages.py."""

from __future__ import annotations

import pytest

from clipper.mirror import MirrorServer

pytest_plugins = ["fixtures_db"]


@pytest.fixture(scope="session")
def mirror():
    """The offline mirror of the sources, started once for the session."""
    with MirrorServer() as server:
        yield server
