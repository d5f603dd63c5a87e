"""Database access: the engine for ``CLIPPER_DATABASE_URL`` and schema migrations.

The embedded default is a SQLite file, ``data/clipper.sqlite`` under the working directory,
in WAL mode so analysts can read while a crawl writes. PostgreSQL is the production
database (``postgresql+psycopg://…``). Every engine handed out is migrated to the newest
schema first, so a fresh database needs no manual step.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import threading
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

DEFAULT_SQLITE_PATH = Path("data") / "clipper.sqlite"
# How long a SQLite writer waits for a lock held by another process before failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
# Per connection; a crawl writes through one.
SQLITE_CACHE_KIB = 65_536

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
        if revision == "head" and current_revision(engine) == head_revision():
            return
        _run_alembic(engine, command.upgrade, revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database {engine.url!r}: {exc.orig}") from exc


def downgrade(engine: Engine, revision: str) -> None:
    _run_alembic(engine, command.downgrade, revision)


def _run_alembic(engine: Engine, fn, revision: str) -> None:
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            fn(config, revision)
    except CommandError as exc:  # an unknown revision, a downgrade target above the current
        raise DatabaseError(f"cannot migrate to {revision!r}: {exc}") from exc
