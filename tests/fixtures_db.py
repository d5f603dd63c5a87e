"""Database fixtures: every test that asks for ``database_url`` runs on SQLite and on
PostgreSQL (marked ``postgres``), each in a fresh SQLite file or PostgreSQL schema; the
PostgreSQL schemas live in a database of the run's own, dropped when the run ends.

PostgreSQL comes from ``CLIPPER_TEST_POSTGRES_URL`` (default below). Without a server the
PostgreSQL cases skip with the reason, unless ``CLIPPER_REQUIRE_POSTGRES=1`` (CI), which
turns that skip into a failure.
"""

from __future__ import annotations

import atexit
import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("CLIPPER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


_run_database: dict[str, str] = {}


def _create_run_database(base: str) -> str:
    """A database of this test run's own on the shared server, so two runs at once (CI and a
    developer) never meet. ``pg_trgm`` is installed in its ``public`` schema up front: created
    by the first test's migration it would land in that test's schema and be dropped with it
    while other tests use it."""
    name = f"clipper_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    run = create_engine(url)
    with run.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    run.dispose()
    atexit.register(_drop_run_database, base, name)
    return url


def _drop_run_database(base: str, name: str) -> None:
    from clipper.store import engine as db

    for url in [u for u in db._engines if name in u]:
        db._engines.pop(url).dispose()
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    except Exception as exc:  # a leftover database is harmless; say so rather than fail
        print(f"could not drop test database {name}: {exc}")


def _postgres_or_skip() -> str:
    """This run's own database on the server at ``CLIPPER_TEST_POSTGRES_URL``."""
    base = postgres_base_url()
    if base in _run_database:
        return _run_database[base]
    try:
        engine = create_engine(base, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        reason = f"no PostgreSQL server at {base}: {str(exc).splitlines()[0]}"
        if os.environ.get("CLIPPER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CLIPPER_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    _run_database[base] = _create_run_database(base)
    return _run_database[base]


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
