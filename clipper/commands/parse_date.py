"""``clipper parse-date``: read Korean news date strings the way the pipeline does.

With STRING, print its ISO 8601 reading. Without, read stdin one string per line, each
``raw`` or ``raw<TAB>now``, and print one line per input line, in order; an unparseable
string prints an empty line so the output stays aligned with the input.
"""

from __future__ import annotations

import sys
from datetime import datetime

import click


def _aware(value: str) -> datetime:
    """An ISO 8601 instant; a naive one is KST wall time, as everywhere in clipper."""
    from clipper.text.dates import KST

    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)


def _now_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return _aware(value)
    except ValueError:
        raise click.BadParameter(
            f"expected an ISO 8601 time such as 2026-01-02T09:00+09:00, got {value!r}"
        ) from None


def _format(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@click.command("parse-date")
@click.option(
    "--now",
    callback=_now_option,
    metavar="ISO",
    help="Anchor for relative and yearless dates (default: the current time, KST).",
)
@click.argument("string", required=False)
def command(now: datetime | None, string: str | None) -> None:
    """Print STRING (or each stdin line: raw[TAB]now) as ISO 8601 with offset."""
    from clipper.text.dates import parse_date

    if string is not None:
        click.echo(_format(parse_date(string, now)))
        return
    for number, line in enumerate(sys.stdin, start=1):
        raw, _, line_now = line.rstrip("\r\n").partition("\t")
        anchor = now
        if line_now.strip():
            try:
                anchor = _aware(line_now)
            except ValueError:
                # Keep the output aligned with the input: an empty line, and say why.
                click.echo(f"line {number}: bad now {line_now!r}", err=True)
                click.echo("")
                continue
        click.echo(_format(parse_date(raw, anchor)))
