"""``clipper reprocess``: re-run extraction, text, tags or stories over stored articles
from their archived pages, without re-crawling (``clipper.ops.reprocess``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clipper.commands.options import _day, database_option, open_engine

# The stages (clipper.ops.reprocess.STAGES), spelled here so --help imports nothing heavy;
# tests/test_cli_imports.py checks that the two lists agree.
STAGES = ("extract", "text", "tags", "stories")


@click.command("reprocess")
@click.option(
    "--since",
    callback=_day,
    metavar="YYYY-MM-DD",
    help="Only articles published (undated: first stored) on or after this day (KST).",
)
@click.option("--spider", metavar="NAME", help="Only articles this spider stored.")
@click.option(
    "--stage",
    type=click.Choice([*STAGES, "all"]),
    default="all",
    show_default=True,
    help="What to re-run: extract (every field read from the page), text (cleaned title, "
    "body, author), tags (date, outlet, region, relevance), stories (re-join stories).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The WARC archive (default: CLIPPER_ARCHIVE_DIR).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Articles per transaction.",
)
@database_option
def command(since, spider, stage, dry_run, archive_dir, batch_size, database_url):
    """Re-run pipeline stages over stored articles from their archived pages."""
    from sqlalchemy.exc import SQLAlchemyError

    from clipper.ops.crawling import project_settings
    from clipper.ops.reprocess import Reprocessor, stages_for

    settings = project_settings()
    directory = archive_dir or settings.get("CLIPPER_ARCHIVE_DIR") or None
    engine = open_engine(database_url)
    reprocessor = Reprocessor(
        engine,
        settings,
        Path(directory) if directory else None,
        stages_for(stage),
        dry_run=dry_run,
        batch_size=batch_size,
    )
    try:
        ids = reprocessor.select_ids(since, spider)
        if sys.stderr.isatty():  # a bar at a terminal only; stdout keeps the summary
            with click.progressbar(length=len(ids), label="reprocess", file=sys.stderr) as bar:
                summary = reprocessor.run(ids, progress=bar.update)
        else:
            summary = reprocessor.run(ids)
    except SQLAlchemyError as exc:
        raise click.ClickException(
            "database error: "
            + (str(exc).splitlines() or [type(exc).__name__])[0]
            + " (committed batches are kept; run the command again to finish)"
        ) from exc
    for line in summary.lines():
        click.echo(line)
