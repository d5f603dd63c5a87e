"""``clipper nightly``: every enabled spider, one after another, each isolated, incremental,
under a lock so two runs never overlap. Exit code 0 only when every spider ran healthy.

Output is made for cron: the dated summary (a line per spider and a closing line, each with
the time it was written and how long it took) always goes to stdout, which the crontab
appends to a log; stderr gets a one-line report only when the run failed or was
interrupted, and cron mails whatever reaches stderr, so the operator hears of failures only.
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import datetime

import click

from clipper.commands.options import database_option, open_engine
from clipper.text.dates import KST


def enabled_spiders(settings) -> list[str]:
    """``CLIPPER_NIGHTLY_SPIDERS`` if set, else every spider of the project."""
    from scrapy.spiderloader import SpiderLoader

    names = [name.strip() for name in settings.getlist("CLIPPER_NIGHTLY_SPIDERS") if name.strip()]
    return names or sorted(SpiderLoader.from_settings(settings).list())


@click.command("nightly")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a setting.")
@click.option(
    "--spider",
    "only",
    multiple=True,
    help="Run only these spiders (repeatable; default: $CLIPPER_NIGHTLY_SPIDERS, else all).",
)
@database_option
def command(settings, only, database_url):
    """Run the nightly crawl: all enabled spiders, incremental, with a run report."""
    from clipper.commands.crawl import _pairs
    from clipper.ops.crawling import project_settings, run_crawls, signal_exit_code
    from clipper.ops.locking import AlreadyRunning, nightly_lock

    began = time.monotonic()
    overrides = _pairs(settings, "-s")
    overrides["CLIPPER_RUN_KIND"] = "nightly"
    if database_url and "CLIPPER_DATABASE_URL" not in overrides:  # -s wins over the env
        overrides["CLIPPER_DATABASE_URL"] = database_url
    names = list(only) or enabled_spiders(project_settings(overrides))
    engine = open_engine(overrides.get("CLIPPER_DATABASE_URL"))
    try:
        with nightly_lock(engine):
            results = run_crawls([(name, {}) for name in names], overrides)
    except AlreadyRunning as exc:
        click.echo(f"clipper nightly: not started: {exc}", err=True)
        sys.exit(75)  # EX_TEMPFAIL: try again later
    for result in results:
        click.echo(result.dated_line())
    failed = [r.spider for r in results if not r.ok and not r.not_run]
    healthy = sum(1 for r in results if r.ok)
    closing = f"nightly: {healthy} of {len(results)} spiders healthy"
    if failed:
        closing += f"; failed: {', '.join(failed)}"
    if results.signal is not None:
        closing += f"; interrupted by {signal.Signals(results.signal).name}"
    if results.not_run:
        closing += f"; not run: {', '.join(results.not_run)}"
    now = datetime.now(KST).isoformat(timespec="seconds")
    click.echo(f"{now} {closing}, {time.monotonic() - began:.1f}s")
    if results.signal is not None or failed:
        # The only output on stderr: what cron mails (`clipper runs` has the details).
        click.echo(f"clipper {closing} (see `clipper runs`)", err=True)
    if results.signal is not None:
        sys.exit(signal_exit_code(results.signal))
    sys.exit(1 if failed else 0)
