"""``clipper demo``: the product working offline. Starts the local mirror of the sources on
127.0.0.1, crawls every source it serves (``clipper.mirror.DEMO_SOURCES``) into the
configured database (SQLite by default) and prints a summary."""

from __future__ import annotations

import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clipper.commands.options import database_option, open_engine

if TYPE_CHECKING:
    from clipper.mirror import MirrorServer

# The mirror is local: no need to be polite to it, and robots.txt is ours.
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}


DEFAULT_PORT = 8800


def _start_mirror(port: int | None) -> MirrorServer:
    """The mirror on ``port``; by default on 8800, so repeated demos see the same URLs (and
    the second one finds everything stored), else on any free port."""
    from clipper.mirror import MirrorServer

    if port is not None:
        try:
            return MirrorServer(port=port).start()
        except OSError as exc:
            raise click.ClickException(
                f"cannot serve the mirror on 127.0.0.1:{port}: {exc.strerror or exc} "
                "(choose another --port, or leave it out for a free one)"
            ) from None
    try:
        return MirrorServer(port=DEFAULT_PORT).start()
    except OSError:
        click.echo(
            f"Port {DEFAULT_PORT} is busy: serving the mirror on another port (mirror pages "
            "then count as newly seen pages).",
            err=True,
        )
        return MirrorServer(port=0).start()


@click.command("demo")
@click.option(
    "--port",
    type=int,
    default=None,
    show_default=f"{DEFAULT_PORT}, else a free one",
    help="Port for the mirror.",
)
@database_option
def command(port, database_url):
    """Crawl the bundled offline mirror into the database the way the nightly run does
    (incremental, under the nightly lock, recorded in crawl_runs) and summarise it."""
    from clipper.mirror import demo_jobs
    from clipper.ops.crawling import run_crawls, signal_exit_code
    from clipper.ops.locking import AlreadyRunning, nightly_lock

    mirror = _start_mirror(port)  # first: a busy port creates no database
    try:
        engine = open_engine(database_url)
        with tempfile.TemporaryDirectory() as workdir, nightly_lock(engine):
            click.echo(f"Serving the offline mirror at {mirror.url}", err=True)
            # Sources listed in CSV files (local-news sites, feeds) get a CSV of mirror URLs.
            jobs, sources = demo_jobs(mirror.url, Path(workdir))
            overrides = {**DEMO_SETTINGS, **sources, "CLIPPER_RUN_KIND": "nightly"}
            if database_url:
                overrides["CLIPPER_DATABASE_URL"] = database_url
            results = run_crawls(jobs, overrides)
    except AlreadyRunning as exc:
        raise click.ClickException(f"not started: {exc}") from None
    finally:
        mirror.stop()
    for result in results:
        click.echo(result.summary_line())
    if results.signal is not None:
        click.echo(
            f"clipper demo: interrupted by {signal.Signals(results.signal).name}"
            + (f"; not run: {', '.join(results.not_run)}" if results.not_run else ""),
            err=True,
        )
        sys.exit(signal_exit_code(results.signal))
    _print_summary(engine)
    sys.exit(0 if all(r.ok for r in results) else 1)


def _print_summary(engine) -> None:
    from sqlalchemy import func, select

    from models import Article, Outlet

    with engine.connect() as conn:
        total = conn.execute(select(func.count(Article.id))).scalar_one()
        by_region = conn.execute(
            select(func.coalesce(Article.region, "(none)"), func.count())
            .group_by(Article.region)
            .order_by(func.count().desc(), Article.region)
        ).all()
        by_outlet = conn.execute(
            select(func.coalesce(Outlet.name, "(none)"), func.count())
            .select_from(Article)
            .outerjoin(Outlet, Article.outlet_id == Outlet.id)
            .group_by(Outlet.name)
            .order_by(func.count().desc(), Outlet.name)
        ).all()
    click.echo(f"\n{total} articles stored in {engine.url.render_as_string(hide_password=True)}")
    click.echo("\nBy region:")
    for name, count in by_region:
        click.echo(f"  {name:<8} {count:>5}")
    click.echo("\nBy outlet:")
    for name, count in by_outlet:
        click.echo(f"  {name:<20} {count:>5}")
