"""Options shared by the analyst commands: the database URL and the article filters."""

from __future__ import annotations

import functools
from datetime import date

import click


def database_option(fn):
    return click.option(
        "--database-url",
        envvar="CLIPPER_DATABASE_URL",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL (default: $CLIPPER_DATABASE_URL, else data/clipper.sqlite).",
    )(fn)


def open_engine(url: str | None):
    from clipper.store.engine import DatabaseError, get_engine

    try:
        return get_engine(url)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def filter_options(fn):
    @click.option("--region", help="Only this region (서울 … 제주, 전국).")
    @click.option("--outlet", help="Only this outlet (canonical name).")
    @click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="Published on or after.")
    @click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Published on or before.")
    @functools.wraps(fn)
    def wrapper(*args, region, outlet, since, until, **kwargs):
        from clipper.analysis.query import Filters

        filters = Filters(region=region, outlet=outlet, since=since, until=until)
        return fn(*args, filters=filters, **kwargs)

    return wrapper
