"""``clipper export``: the stored articles as JSON Lines, CSV or Parquet.

CSV with ``--bom`` starts with a UTF-8 byte order mark, which is how Excel recognises UTF-8
(without it Excel reads Korean as mojibake). Parquet (pyarrow) keeps ``published`` as a
real timestamp in Asia/Seoul and needs ``--out``, since it is binary.

CSV cells that Excel or LibreOffice would run as a formula (a title such as ``=HYPERLINK(...)``
from a hostile page) get a leading single quote, the OWASP CSV-injection rule;
``--no-neutralise-formulas`` writes them verbatim for tools that never evaluate cells.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from itertools import islice

import click

from clipper.commands.options import database_option, filter_options, open_engine

PARQUET_BATCH = 5_000
# OWASP: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PYARROW_HINT = "Parquet export needs pyarrow: .venv/bin/pip install pyarrow"


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout (required for parquet).",
)
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 BOM so Excel reads Korean.")
@click.option(
    "--neutralise-formulas/--no-neutralise-formulas",
    default=True,
    show_default=True,
    help="CSV: prefix cells starting with = + - @ TAB or CR with ' so Excel shows, not runs, them.",
)
@filter_options
@database_option
def command(fmt, out, bom, neutralise_formulas, filters, database_url):
    """Export stored articles (keys: url, title, body, published, region, outlet)."""
    from clipper.analysis.query import iter_articles

    if fmt == "parquet" and not out:
        raise click.UsageError("--format parquet writes a binary file: give --out FILE")
    engine = open_engine(database_url)
    records = iter_articles(engine, filters)
    if fmt == "parquet":
        count = write_parquet(out, records)
    else:
        bom = bom and fmt == "csv"
        if out:
            with open(out, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
                count = _write(stream, fmt, records, neutralise_formulas)
        else:
            count = _write(_stdout(bom), fmt, records, neutralise_formulas)
    if out:
        click.echo(f"exported {count} articles to {out}", err=True)


def _stdout(bom: bool):
    if bom:
        sys.stdout.write("\ufeff")
    return sys.stdout


def _rows(records: Iterable[dict]) -> Iterator[dict]:
    from clipper.analysis.query import EXPORT_FIELDS

    for record in records:
        yield {key: record[key] for key in EXPORT_FIELDS}


def neutralise(value):
    """``value`` with a leading ``'`` if a spreadsheet would evaluate it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(stream, fmt: str, records, neutralise_formulas: bool = True) -> int:
    from clipper.analysis.query import EXPORT_FIELDS

    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
    for row in _rows(records):
        row["published"] = row["published"].isoformat() if row["published"] else None
        if fmt == "csv":
            if neutralise_formulas:
                row = {key: neutralise(value) for key, value in row.items()}
            writer.writerow(row)
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_parquet(path: str, records: Iterable[dict]) -> int:
    """Write ``records`` to ``path`` in batches, so memory stays flat on big exports."""
    from clipper.analysis.query import EXPORT_FIELDS

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise click.ClickException(PYARROW_HINT) from None
    types = {"published": pa.timestamp("us", tz="Asia/Seoul")}
    # Every other export field is text; a new non-text field needs its type here.
    schema = pa.schema([(name, types.get(name, pa.string())) for name in EXPORT_FIELDS])
    rows = _rows(records)
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        # An empty export still writes a valid file with the schema.
        while batch := list(islice(rows, PARQUET_BATCH)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
