"""``clipper runs``: recent crawl runs and their health, as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from clipper.commands.options import database_option, open_read_engine
from clipper.ops.health import coverage

if TYPE_CHECKING:
    from models import CrawlRun

FIELDS = (
    "id",
    "spider",
    "kind",
    "started_at",
    "finished_at",
    "status",
    "failure_class",
    "pages_fetched",
    "items_scraped",
    "items_dropped",
    "articles_new",
    "articles_updated",
    "errors",
)


def run_record(run: CrawlRun) -> dict:

    record = {field: getattr(run, field) for field in FIELDS}
    for key in ("started_at", "finished_at"):
        record[key] = record[key].isoformat() if record[key] else None
    stats = run.stats or {}
    record["drops"] = {
        k.split("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("item_dropped_reasons_count/")
    }
    record["http_status"] = {
        k.rsplit("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    record["coverage"] = coverage(stats)
    record["archived_bytes"] = stats.get("clipper/archive/bytes", 0)
    return record


@click.command("runs")
@click.option("--limit", default=20, show_default=True, help="How many runs, newest first.")
@click.option("--spider", help="Only this spider's runs.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@database_option
def command(limit, spider, as_json, database_url):
    """Show recent crawl runs: status, failure class, pages, new and updated articles."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from clipper.store.retries import pending_retries
    from models import CrawlRun

    engine = open_read_engine(database_url)
    stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if spider:
        stmt = stmt.where(CrawlRun.spider == spider)
    with Session(engine) as session:
        runs = [run_record(r) for r in session.scalars(stmt)]
        waiting = pending_retries(session.connection(), spider=spider)
    if as_json:
        click.echo(json.dumps(runs, ensure_ascii=False, indent=2))
        return
    if not runs:
        click.echo("no runs yet")
        return
    click.echo(
        f"{'id':>5} {'spider':<16} {'kind':<8} {'started (UTC)':<20} {'status':<8} "
        f"{'class':<15} {'pages':>6} {'new':>5} {'upd':>5} {'drop':>5} {'warc MB':>8}"
    )
    for r in runs:
        click.echo(
            f"{r['id']:>5} {r['spider']:<16} {r['kind']:<8} {(r['started_at'] or '')[:19]:<20} "
            f"{r['status']:<8} {r['failure_class'] or '-':<15} {r['pages_fetched']:>6} "
            f"{r['articles_new']:>5} {r['articles_updated']:>5} {r['items_dropped']:>5} "
            f"{r['archived_bytes'] / 1e6:>8.1f}"
        )
    # Pages dropped for a transient reason (a 200 answer without a title), to be fetched
    # again by a later run (clipper.extensions.dropped).
    click.echo(f"pending retries: {waiting}")
