"""``clipper crawl SPIDER``: one spider, with the same settings and arguments as
``scrapy crawl`` (``-a key=value`` spider arguments, ``-s NAME=VALUE`` settings)."""

from __future__ import annotations

import os
import signal
import sys

import click

from clipper.commands.options import database_option

# What ``-o FILE`` writes of an item: what a reader of the feed can use.
FEED_FIELDS = (
    "url", "source_url", "spider", "fetched_at", "title", "body", "published",
    "published_raw", "outlet", "outlet_raw", "region", "region_evidence", "author",
    "matched_terms",
)  # fmt: skip


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint=flag)
        pairs[key.strip()] = val
    return pairs


@click.command("crawl")
@click.argument("spider")
@click.option(
    "-a",
    "spider_args",
    multiple=True,
    metavar="NAME=VALUE",
    help="Spider argument, e.g. -a full=1, -a since=2025-01-01, -a max_pages=3.",
)
@click.option(
    "-s",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a setting, e.g. -s CLIPPER_STORE_BATCH_SIZE=10.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Crawl and process, but store nothing (an incremental crawl still stops at the "
    "first listing page the database has; add -a full=1 to walk every page).",
)
@click.option(
    "--as-nightly",
    is_flag=True,
    help="Record this run as a nightly one (it then moves the nightly's incremental "
    "state); by default an ad hoc run never does.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Also write the items to this feed file (.jsonl, .csv, …), replacing it.",
)
@click.option(
    "--replay",
    multiple=True,
    type=click.Path(exists=True),
    metavar="WARC",
    help="Answer the crawl from these WARC files (or directories of them) instead of the "
    "network; repeat for more. A page not in them is counted, not fetched.",
)
@database_option
def command(spider, spider_args, settings, dry_run, as_nightly, output, replay, database_url):
    """Run one spider now and store what it finds."""
    from clipper.ops.crawling import run_crawls, signal_exit_code

    overrides = _pairs(settings, "-s")
    if database_url and "CLIPPER_DATABASE_URL" not in overrides:  # -s wins over the env
        overrides["CLIPPER_DATABASE_URL"] = database_url
    if replay:
        # The pages are archived already: archive nothing new.
        overrides["CLIPPER_REPLAY_WARC"] = [os.path.abspath(p) for p in replay]
        overrides["CLIPPER_ARCHIVE_DIR"] = ""
    if dry_run:
        overrides["CLIPPER_DRY_RUN"] = True
    if as_nightly:
        overrides["CLIPPER_RUN_KIND"] = "nightly"
    if output:
        # Scrapy's -O: a second run replaces the file (appending put a second CSV header in
        # the middle); only the public fields, never internals such as the text stages'
        # MinHash signature.
        overrides["FEEDS"] = {
            output: {
                "format": _feed_format(output),
                "encoding": "utf-8",
                "overwrite": True,
                "fields": list(FEED_FIELDS),
            }
        }
    results = run_crawls([(spider, _pairs(spider_args, "-a"))], overrides)
    result = results[0]
    if result.usage_error:  # an unknown or malformed -a argument: the spider's own words
        click.echo(f"clipper crawl: {result.error}", err=True)
        sys.exit(2)
    if results.signal is not None:
        name = signal.Signals(results.signal).name
        click.echo(f"clipper crawl: interrupted by {name}: {result.summary_line()}", err=True)
        sys.exit(signal_exit_code(results.signal))
    click.echo(result.summary_line(), err=True)
    sys.exit(0 if result.ok else 1)


def _feed_format(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower()
    return {
        "jsonl": "jsonlines",
        "jl": "jsonlines",
        "json": "json",
        "csv": "csv",
        "xml": "xml",
    }.get(suffix, "jsonlines")
