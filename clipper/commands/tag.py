"""``clipper tag``: add region tags to JSON Lines read on stdin.

Each input line is a JSON object with ``title`` and ``outlet`` (and optionally ``body``,
``url``). Each output line is the same object, all keys kept, in the same order, with
``region``, ``region_evidence`` and ``outlet_name`` added. A small-library board title keeps
its ``[...]`` tag in ``title``; the tag is read as the board's region tag.

A line that is not a JSON object (:mod:`clipper.commands.jsonl`), or one that cannot be tagged,
is skipped with an error naming its line number, and the command exits 1 at the end; all
other lines are still written.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from clipper.commands.jsonl import JsonLines, dump_line
from clipper.text.regions import normalize_board_tag, split_title_tag, tag_region


def _outlet_resolver():
    """``outlet text → (canonical name, home region)``; a stub when the registry is missing."""
    try:
        from clipper.text.outlets import default_registry
    except ImportError:
        click.echo(
            "warning: clipper.text.outlets is not available; outlet_name stays null", err=True
        )
        return lambda text: (None, None)
    registry = default_registry()

    def resolve(text: Any) -> tuple[str | None, str | None]:
        if not isinstance(text, str) or not text.strip():
            return None, None
        outlet = registry.resolve(text)
        if outlet is None:
            return None, None
        return outlet.name, outlet.home_region

    return resolve


def tag_record(record: dict[str, Any], resolve_outlet) -> dict[str, Any]:
    """The record with ``region``, ``region_evidence`` and ``outlet_name`` added."""

    title = record.get("title")
    title = title if isinstance(title, str) else ""
    body = record.get("body")
    body = body if isinstance(body, str) else ""
    raw_tag, clean_title = split_title_tag(title)
    board_tag = raw_tag if normalize_board_tag(raw_tag) is not None else None
    if board_tag is None:
        clean_title = title
    outlet_name, home_region = resolve_outlet(record.get("outlet"))
    result = tag_region(
        clean_title,
        body,
        board_tag=board_tag,
        outlet_region=home_region,
        outlet_name=outlet_name,
    )
    return {
        **record,
        "region": result.region,
        "region_evidence": result.evidence,
        "outlet_name": outlet_name,
    }


@click.command("tag")
def command() -> None:
    """Tag JSON Lines on stdin (title, outlet, body?) with region and outlet; write to stdout."""
    resolve_outlet = _outlet_resolver()
    lines = JsonLines()
    for number, record in lines:
        try:
            tagged = tag_record(record, resolve_outlet)
        except Exception as error:  # one odd record costs its line, said, not the rest
            lines.reject(number, f"could not tag ({type(error).__name__}: {error})")
            continue
        sys.stdout.write(dump_line(tagged))
    lines.finish()
