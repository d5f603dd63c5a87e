"""Database fixtures: every test that asks for ``database_url`` runs on SQLite and on
PostgreSQL (marked ``postgres``), each in a fresh database or schema.

PostgreSQL comes from ``CLIPPER_TEST_POSTGRES_URL`` (default below). Without a server the
PostgreSQL cases skip with the reason, unless ``CLIPPER_REQUIRE_POSTGRES=1`` (CI), which
turns that skip into a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("CLIPPER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _postgres_or_skip() -> str:
    url = postgres_base_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        reason = f"no PostgreSQL server at {url}: {str(exc).splitlines()[0]}"
        if os.environ.get("CLIPPER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CLIPPER_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    return url


def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("database_url") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clipper.sqlite'}"
        return
    base = _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    from clipper.store import engine as db

    for url in [u for u in db._engines if schema in u]:
        db._engines.pop(url).dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(database_url):
    from clipper.store.engine import get_engine

    return get_engine(database_url)
