"""``clipper search QUERY``: Korean full-text search, as a table or as JSON."""

from __future__ import annotations

import json
import shutil

import click

from clipper.commands.options import (
    database_option,
    filter_options,
    open_read_engine,
    reports_write_errors,
)

MAX_TERMS = 100


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 2**63 - 1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@filter_options
@database_option
@reports_write_errors
def command(query, limit, as_json, filters, database_url):
    """Search titles and bodies (substring match: 작은도서관 finds 마을작은도서관).

    Every word of QUERY must match, a "quoted phrase" as written; title matches come first,
    then the newest.
    """
    from clipper.analysis.search import search, search_terms
    from clipper.analysis.tables import display_width, format_table

    query = " ".join(query)  # clipper search 작은도서관 개관 == clipper search "작은도서관 개관"
    terms = search_terms(query)
    if not terms:
        raise click.BadParameter("the query is empty", param_hint="QUERY")
    if len(terms) > MAX_TERMS:
        # SQLite parses a WHERE of ~500 ANDed terms into a tree deeper than it allows; no
        # one searches for that many words at once.
        raise click.BadParameter(
            f"{len(terms)} search words; at most {MAX_TERMS}", param_hint="QUERY"
        )
    hits = search(open_read_engine(database_url), query, filters, limit=limit)
    if as_json:
        for hit in hits:
            hit["published"] = hit["published"].isoformat() if hit["published"] else None
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no matches", err=True)
        return
    rows = [
        (
            hit["published"].date().isoformat() if hit["published"] else "",
            hit["region"] or "",
            hit["outlet"] or "",
            hit["title"],
        )
        for hit in hits
    ]
    fixed = [10, 4, 16]
    # The title takes what the terminal has left (two cells between columns).
    room = shutil.get_terminal_size((100, 24)).columns - sum(fixed) - 2 * len(fixed)
    title_width = max(20, min(room, max(display_width(r[3]) for r in rows)))
    click.echo(format_table(("날짜", "지역", "매체", "제목"), rows, [*fixed, title_width]))
    click.echo(f"{len(hits)} matches", err=True)
