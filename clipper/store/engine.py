"""Database access: the engine for ``CLIPPER_DATABASE_URL`` and schema migrations.

The embedded default is a SQLite file, ``data/clipper.sqlite`` under the working directory,
in WAL mode so analysts can read while a crawl writes. PostgreSQL is the production
database (``postgresql+psycopg://…``). Every engine handed out is migrated to the newest
schema first, so a fresh database needs no manual step.

An upgrade runs every migration in one transaction, on SQLite too (whose driver would commit
each ``CREATE`` on its own), so a setup killed at any point leaves the database as it was.
A half-made schema from older versions (clipper's tables, no recorded revision) is rebuilt
when its tables are empty, and otherwise refused with what to do.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

DEFAULT_SQLITE_PATH = Path("data") / "clipper.sqlite"
# How long a SQLite writer waits for a lock held by another process before failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
# Per connection; a crawl writes through one.
SQLITE_CACHE_KIB = 65_536

logger = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseError(RuntimeError):
    """A database problem explained for the operator (bad URL, server down, migration)."""


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit, else ``CLIPPER_DATABASE_URL``, else the SQLite default."""
    url = url or os.environ.get("CLIPPER_DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    return url


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL makes NORMAL durable against application crashes; only a power cut can lose the
    # last transactions, never corrupt the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint copies the WAL back into the database and syncs it. At the default
    # (1,000 pages, 4 MB) a store batch, whose story band rows dirty a random page each,
    # set one off at nearly every commit; 10,000 pages (40 MB of WAL) spreads it over ~10
    # batches and writes a page changed by several of them once.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
    # The page cache (default 2 MB) holds the upper levels of the band index and the pages
    # a batch's lookups read, which its inserts then change, instead of reading them twice.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def create_db_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """A new engine for ``url`` (see ``database_url``), migrated to head unless told not to."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"CLIPPER_DATABASE_URL is not a database URL: {url!r}") from exc
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseError(f"cannot use database URL {parsed!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    if migrate:
        upgrade(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """A shared, migrated engine per URL (one pool per process)."""
    url = database_url(url)
    with _lock:
        if url not in _engines:
            _engines[url] = create_db_engine(url)
        return _engines[url]


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", migrations_location())
    return config


@functools.cache
def migrations_location() -> str:
    """Where Alembic finds the migration scripts: the ``models.migrations`` package.

    Alembic lists a directory; a package imported from a zipped egg (Scrapyd runs a deployed
    project so, docs/deploy.md) has none, so its scripts are copied to a temporary directory,
    once per process, removed at exit.
    """
    package = resources.files("models") / "migrations"
    if isinstance(package, Path):
        return "models:migrations"
    target = Path(tempfile.mkdtemp(prefix="clipper-migrations-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _copy_tree(package, target)
    return str(target)


def _copy_tree(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                (target / entry.name).mkdir()
                _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; a no-op when it is already there."""
    try:
        current = current_revision(engine)
        if revision == "head" and current == head_revision():
            return
        if current is None:
            _repair_half_made(engine)
        _run_alembic(engine, command.upgrade, revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database {engine.url!r}: {exc.orig}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    _run_alembic(engine, command.downgrade, revision)


def _clipper_tables(conn: Connection) -> list[str]:
    from models import Base

    present = set(inspect(conn).get_table_names())
    return [name for name in Base.metadata.tables if name in present]


def _repair_half_made(engine: Engine) -> None:
    """A schema without a recorded revision but with clipper's tables: what a first setup
    killed midway left before upgrades were one transaction. When no table holds a row it
    is dropped (the upgrade then builds it again); otherwise nothing is touched and the
    operator is told what is wrong."""
    with _migration_connection(engine) as conn, conn.begin():
        # Looked at again under the lock: another process may have set the schema up since.
        if MigrationContext.configure(conn).get_current_revision() is not None:
            return
        if not _clipper_tables(conn):
            return
        quote = conn.dialect.identifier_preparer.quote
        # Every table, not only clipper's: a table of someone else's with rows is no
        # leftover to drop. (FTS5's shadow tables hold their own bookkeeping rows.)
        tables = [t for t in inspect(conn).get_table_names() if not t.startswith("articles_fts")]
        rows = {t: conn.execute(text(f"SELECT COUNT(*) FROM {quote(t)}")).scalar() for t in tables}
        if any(rows.values()):
            held = ", ".join(f"{t} ({n} rows)" for t, n in rows.items() if n)
            raise DatabaseError(
                f"the database {engine.url!r} has clipper's tables but no schema version (no "
                f"alembic_version row; an interrupted first setup of an older clipper), and "
                f"they hold data: {held}. Back it up, then either record the revision the "
                f"tables are at (INSERT INTO alembic_version VALUES ('<revision>')) or move "
                f"the database aside and let clipper create a new one"
            )
        logger.warning(
            "The database %r has empty clipper tables but no schema version (an interrupted "
            "first setup): building the schema again",
            engine.url,
        )
        _drop_clipper_schema(conn)


def _drop_clipper_schema(conn: Connection) -> None:
    """What the migrations create (tables, views, triggers, the FTS table), in a database
    known to hold no rows."""
    from models import Base

    # The models' tables children first (SQLite has foreign keys on).
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if conn.dialect.name != "sqlite":
        for table in tables:  # CASCADE takes the views (and indexes) along
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        return
    # SQLite tracks no dependencies: triggers and views first (they name tables), the FTS5
    # table (its shadow tables go with it), then the tables.
    for kind, name in conn.execute(
        text("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')")
    ).all():
        conn.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')
    for table in ("articles_fts", *tables):
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transaction covers DDL. pysqlite begins a transaction only before
    INSERT/UPDATE/DELETE and lets each CREATE commit on its own; here it issues no BEGIN of
    its own and the transaction starts with ``BEGIN IMMEDIATE`` (which also makes a second
    process setting up the same file wait, then find the schema made)."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            yield conn
            return
        driver = conn.connection.driver_connection
        level = driver.isolation_level
        driver.isolation_level = None

        def begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        event.listen(conn, "begin", begin)
        try:
            yield conn
        finally:
            event.remove(conn, "begin", begin)
            if conn.in_transaction():
                conn.rollback()
            driver.isolation_level = level  # the pooled connection behaves as before


def _run_alembic(engine: Engine, fn, revision: str) -> None:
    config = alembic_config()
    try:
        # One transaction for all the migrations (see env.py): all or nothing.
        with _migration_connection(engine) as conn, conn.begin():
            config.attributes["connection"] = conn
            fn(config, revision)
    except CommandError as exc:  # an unknown revision, a downgrade target above the current
        raise DatabaseError(f"cannot migrate to {revision!r}: {exc}") from exc
