"""``clipper nightly``: every enabled spider, one after another, each isolated, incremental,
under a lock so two runs never overlap. Exit code 0 only when every spider ran healthy."""

from __future__ import annotations

import sys

import click

from clipper.commands.options import database_option, open_engine


def enabled_spiders(settings) -> list[str]:
    """``CLIPPER_NIGHTLY_SPIDERS`` if set, else every spider of the project."""
    from scrapy.spiderloader import SpiderLoader

    names = settings.getlist("CLIPPER_NIGHTLY_SPIDERS")
    return names or sorted(SpiderLoader.from_settings(settings).list())


@click.command("nightly")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a setting.")
@click.option("--spider", "only", multiple=True, help="Run only these spiders (repeatable).")
@database_option
def command(settings, only, database_url):
    """Run the nightly crawl: all enabled spiders, incremental, with a run report."""
    from clipper.commands.crawl import _pairs
    from clipper.ops.crawling import project_settings, run_crawls
    from clipper.ops.locking import AlreadyRunning, nightly_lock

    overrides = _pairs(settings, "-s")
    overrides["CLIPPER_RUN_KIND"] = "nightly"
    if database_url:
        overrides["CLIPPER_DATABASE_URL"] = database_url
    names = list(only) or enabled_spiders(project_settings(overrides))
    engine = open_engine(database_url)
    try:
        with nightly_lock(engine):
            results = run_crawls([(name, {}) for name in names], overrides)
    except AlreadyRunning as exc:
        click.echo(f"clipper nightly: not started: {exc}", err=True)
        sys.exit(75)  # EX_TEMPFAIL: try again later
    for result in results:
        click.echo(result.summary_line())
    failed = [r.spider for r in results if not r.ok]
    click.echo(
        f"nightly: {len(results) - len(failed)} of {len(results)} spiders healthy"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    sys.exit(1 if failed else 0)
