"""``clipper report``: the daily clipping (뉴스 클리핑) as stand-alone HTML or Markdown."""

from __future__ import annotations

from datetime import date

import click

from clipper.commands.options import database_option, open_engine


def _day(ctx, param, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@click.command("report")
@click.option(
    "--date",
    "day",
    required=True,
    callback=_day,
    metavar="YYYY-MM-DD",
    help="The (last) KST day of the clipping.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=366),
    default=1,
    show_default=True,
    help="Cover this many days ending on --date.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout.",
)
@database_option
def command(day, days, fmt, out, database_url):
    """Stories of the period grouped by region, with the outlets that ran them."""
    from clipper.analysis.report import build_report, render_html, render_markdown

    report = build_report(open_engine(database_url), day, days)
    text = render_html(report) if fmt == "html" else render_markdown(report)
    if out:
        with open(out, "w", encoding="utf-8") as stream:
            stream.write(text)
        click.echo(f"{len(report.stories)} stories written to {out}", err=True)
    else:
        click.echo(text, nl=False)
