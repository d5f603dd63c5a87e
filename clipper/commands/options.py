"""Options shared by the analyst commands: the database URL and the article filters."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

# SQLAlchemy, Alembic and the query layer are imported where they are used: importing this
# module is part of every command's ``--help`` (tests/test_cli_imports.py).


def database_option(fn):
    return click.option(
        "--database-url",
        envvar="CLIPPER_DATABASE_URL",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL (default: $CLIPPER_DATABASE_URL, else data/clipper.sqlite).",
    )(fn)


def open_engine(url: str | None):
    """The migrated engine for ``url``, created if need be (crawl, demo, nightly)."""
    from clipper.store.engine import DatabaseError, get_engine

    try:
        return get_engine(url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc


def open_read_engine(url: str | None):
    """The engine for a command that only reads (search, stats, export, report).

    A SQLite file that does not exist is an error, not a new empty database: run from the
    wrong directory, a read would otherwise make ``data/clipper.sqlite`` there and answer
    "no matches". Only crawl, demo, nightly and ``db upgrade`` create a database. A
    PostgreSQL database that does not exist already fails to connect.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from clipper.store.engine import database_url

    resolved = database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError:
        parsed = None  # open_engine explains a bad URL
    if parsed is not None and parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        # (In-memory and file: URI databases are left to SQLite.)
        plain_file = path and path != ":memory:" and not path.startswith("file:")
        if plain_file and not Path(path).is_file():
            raise click.ClickException(
                f"no database at {Path(path).absolute()} (run from the directory that "
                "holds data/clipper.sqlite, give --database-url or $CLIPPER_DATABASE_URL, "
                "or create one with clipper crawl, clipper demo or clipper db upgrade)"
            )
    return open_engine(url)


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def _region(ctx, param, value):
    if value is None:
        return None
    from clipper.analysis.query import resolve_region

    try:
        return resolve_region(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


region_option = click.option(
    "--region",
    callback=_region,
    help="Only this region: a 시도 in any form (경기, 경기도, 서울특별시, 서울시 …), 전국, "
    "or none (articles without a region).",
)


def filter_options(fn):
    @region_option
    @click.option("--outlet", help="Only this outlet (canonical name).")
    @click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="Published on or after.")
    @click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Published on or before.")
    @functools.wraps(fn)
    def wrapper(*args, region, outlet, since, until, **kwargs):
        from clipper.analysis.query import Filters

        filters = Filters(region=region, outlet=outlet, since=since, until=until)
        return fn(*args, filters=filters, **kwargs)

    return wrapper


# -- output ------------------------------------------------------------------------------


@contextmanager
def output_path(path: str) -> Iterator[str]:
    """Where to write the file ``--out path``: a temporary file that becomes ``path`` only
    once it is complete, so a full disk, an error or Ctrl-C leaves the old file (or none),
    never half an export. For a regular file it sits beside ``path`` and is renamed; for a
    device or pipe (``/dev/stdout``, ``/dev/full``, a FIFO) it is copied there at the end.
    A failed write is one line (``click.ClickException``)."""
    target = Path(path)
    regular = not target.exists() or target.is_file()
    parent = target.parent if regular else Path(tempfile.gettempdir())
    if not parent.is_dir():
        raise click.ClickException(f"cannot write {path}: no directory {parent}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=parent)
    os.close(fd)
    try:
        yield tmp
        if regular:
            os.chmod(tmp, _new_file_mode(target))
            os.replace(tmp, target)
        else:
            with open(tmp, "rb") as source, open(path, "wb") as sink:
                shutil.copyfileobj(source, sink)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _new_file_mode(target: Path) -> int:
    # mkstemp makes the file 0600; the export gets the mode a plain open() would give it.
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; a full disk or closed pipe would then print an
    # "Exception ignored" traceback after our message. Point the descriptor at /dev/null.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (click's test runner)


def reports_write_errors(fn):
    """Turn a failed write (``--out /dev/full``, ``> /dev/full``, a closed pipe, a missing
    directory) into one line on stderr and exit code 1, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()
        except OSError as exc:
            _silence_stdout()
            where = f" {exc.filename}" if exc.filename else ""
            reason = exc.strerror or str(exc)
            raise click.ClickException(f"cannot write the output{where}: {reason}") from None
        return result

    return wrapper
