"""``clipper report``: the daily clipping (뉴스 클리핑) as stand-alone HTML or Markdown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import click

from clipper.commands.options import (
    database_option,
    open_read_engine,
    output_path,
    region_option,
    reports_write_errors,
)
from clipper.text.dates import KST  # dateparser is imported on first use only


def kst_today(now: datetime | None = None) -> date:
    """Today in Korea, whatever the machine's time zone (a cron job on a UTC server runs
    at 23:00 UTC when it is already 08:00 the next day in Seoul)."""
    return (now or datetime.now(UTC)).astimezone(KST).date()


def _day(ctx, param, value):
    words = {"today": 0, "yesterday": 1, "오늘": 0, "어제": 1}
    if value.strip().lower() in words:
        return kst_today() - timedelta(days=words[value.strip().lower()])
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected YYYY-MM-DD, today or yesterday, got {value!r}"
        ) from None


@click.command("report")
@click.option(
    "--date",
    "day",
    required=True,
    callback=_day,
    metavar="YYYY-MM-DD|today|yesterday",
    help="The (last) KST day of the clipping; today and yesterday are Korean days.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=366),
    default=1,
    show_default=True,
    help="Cover this many days ending on --date.",
)
@region_option
@click.option("--outlet", help="Only this outlet's articles (canonical name).")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout.",
)
@database_option
@reports_write_errors
def command(day, days, region, outlet, fmt, out, database_url):
    """Stories of the period grouped by region, with the outlets that ran them."""
    from clipper.analysis.query import Filters
    from clipper.analysis.render import plural, render_html, render_markdown
    from clipper.analysis.report import build_report

    filters = Filters(region=region, outlet=outlet)
    report = build_report(open_read_engine(database_url), day, days, filters)
    text = render_html(report) if fmt == "html" else render_markdown(report)
    if out:
        with output_path(out) as path, open(path, "w", encoding="utf-8") as stream:
            stream.write(text)
        click.echo(f"{plural(len(report.stories), 'story', 'stories')} written to {out}", err=True)
    else:
        click.echo(text, nl=False)
