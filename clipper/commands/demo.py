"""``clipper demo``: the product working offline. Starts the local mirror of the sources on
127.0.0.1, crawls it into the configured database (SQLite by default) and prints a summary."""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from clipper.commands.options import database_option, open_engine
from clipper.crawling import run_crawls
from clipper.mirror import MirrorServer
from models import Article, Outlet

# The mirror is local: no need to be polite to it, and robots.txt is ours.
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
}


@click.command("demo")
@click.option("--port", default=0, show_default="a free port", help="Port for the mirror.")
@database_option
def command(port, database_url):
    """Crawl the bundled offline mirror into the database and summarise what was stored."""
    engine = open_engine(database_url)
    with MirrorServer(port=port) as mirror:
        click.echo(f"Serving the offline mirror at {mirror.url}", err=True)
        overrides = dict(DEMO_SETTINGS, CLIPPER_SMALLLIBRARY_BASE_URL=mirror.board_url)
        if database_url:
            overrides["CLIPPER_DATABASE_URL"] = database_url
        results = run_crawls([("smalllibrary", {})], overrides)
    for result in results:
        click.echo(result.summary_line())
    _print_summary(engine)
    sys.exit(0 if all(r.ok for r in results) else 1)


def _print_summary(engine) -> None:
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
