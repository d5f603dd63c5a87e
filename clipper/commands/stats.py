"""``clipper stats``: article counts by region, outlet and KST month, with the filters."""

from __future__ import annotations

import json

import click

from clipper.commands.options import (
    database_option,
    filter_options,
    open_read_engine,
    reports_write_errors,
)

HEADERS = {"region": "지역", "outlet": "매체", "month": "월(KST)"}
# clipper.analysis.report.STATS_KEYS, spelled here so --help imports no SQLAlchemy
# (tests/test_cli_imports.py checks that the two agree).
STATS_KEYS = tuple(HEADERS)


@click.command("stats")
@click.option(
    "--by",
    "by",
    type=click.Choice(STATS_KEYS),
    multiple=True,
    help="Count by this (repeatable; default: all three).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {by: [{key, n}, …]}.")
@filter_options
@database_option
@reports_write_errors
def command(by, as_json, filters, database_url):
    """Count stored articles by region, outlet and month."""
    from clipper.analysis.report import UNKNOWN, count_by
    from clipper.analysis.tables import format_table

    engine = open_read_engine(database_url)
    keys = list(dict.fromkeys(by)) or list(STATS_KEYS)
    counts = {key: count_by(engine, key, filters) for key in keys}
    if as_json:
        data = {key: [{"key": k, "n": n} for k, n in rows] for key, rows in counts.items()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for i, (key, rows) in enumerate(counts.items()):
        if i:
            click.echo()
        table_rows = [(k if k is not None else f"({UNKNOWN})", n) for k, n in rows]
        table_rows.append(("합계", sum(n for _, n in rows)))
        click.echo(format_table((HEADERS[key], "기사"), table_rows, [30, 8]))
