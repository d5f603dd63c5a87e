"""``clipper extract FILE [--url URL]``: run the article extractor on one saved page.

Prints one JSON object (Korean left readable) with the fields the pipeline would store, plus
``fields_from``, the layer each field came from, which is what to look at when a site's
layout changes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@click.command("extract")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The page's URL: picks site rules and resolves the outlet by domain.")
@click.option("--charset", help="The HTTP charset, when known (e.g. euc-kr).")
def command(file: Path, url: str | None, charset: str | None) -> None:
    """Extract title, dates, outlet, author and body from a saved article page."""
    from clipper.extract import extract_article

    result = extract_article(file.read_bytes(), url, declared_encoding=charset)
    record = {
        "title": result.title,
        "published": _iso(result.published),
        "modified": _iso(result.modified),
        "outlet": result.outlet,
        "author": result.author,
        "body": result.body,
        "encoding": result.encoding,
        "fields_from": result.fields_from,
    }
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))
