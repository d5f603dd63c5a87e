"""``clipper crawl SPIDER``: one spider, with the same settings and arguments as
``scrapy crawl`` (``-a key=value`` spider arguments, ``-s NAME=VALUE`` settings)."""

from __future__ import annotations

import sys

import click


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
@click.option("--dry-run", is_flag=True, help="Crawl and process, but store nothing.")
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
    help="Also write the items to this feed file (.jsonl, .csv, …).",
)
def command(spider, spider_args, settings, dry_run, as_nightly, output):
    """Run one spider now and store what it finds."""
    from clipper.ops.crawling import run_crawls

    overrides = _pairs(settings, "-s")
    if dry_run:
        overrides["CLIPPER_DRY_RUN"] = True
    if as_nightly:
        overrides["CLIPPER_RUN_KIND"] = "nightly"
    if output:
        overrides["FEEDS"] = {output: {"format": _feed_format(output), "encoding": "utf-8"}}
    results = run_crawls([(spider, _pairs(spider_args, "-a"))], overrides)
    result = results[0]
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
