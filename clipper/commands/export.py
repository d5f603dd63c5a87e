"""``clipper export``: the stored articles as JSON Lines, CSV, Excel (xlsx) or Parquet.

Columns: ``EXPORT_FIELDS`` (clipper/analysis/query.py). ``published`` is ISO 8601 with its
+09:00 offset in JSON Lines; in CSV it is ``YYYY-MM-DD HH:MM:SS`` in KST, the form Excel and
LibreOffice read as a date and time; xlsx and Parquet hold real date-times (xlsx has no time
zones: the KST wall time; Parquet a timestamp in Asia/Seoul).

CSV with ``--bom`` starts with a UTF-8 byte order mark, which is how Excel recognises UTF-8
(without it Excel reads Korean as mojibake). xlsx and Parquet are binary and need ``--out``.

CSV cells that Excel or LibreOffice would run as a formula (a title such as ``=HYPERLINK(...)``
from a hostile page) get a leading single quote, the OWASP CSV-injection rule;
``--no-neutralise-formulas`` writes them verbatim for tools that never evaluate cells. In xlsx
every text is a string cell, never a formula, so nothing needs changing there.

``--out FILE`` is written to a temporary file beside FILE and renamed when complete: a full
disk or an error leaves no half export. Write errors are one line and exit code 1.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import closing
from itertools import islice

import click

from clipper.commands.options import (
    database_option,
    filter_options,
    open_read_engine,
    output_path,
    reports_write_errors,
)

PARQUET_BATCH = 5_000
# OWASP: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PYARROW_HINT = "Parquet export needs pyarrow: .venv/bin/pip install pyarrow"
OPENPYXL_HINT = "xlsx export needs openpyxl: .venv/bin/pip install openpyxl==3.1.5"
CSV_TIME = "%Y-%m-%d %H:%M:%S"
# Excel's limits: characters in a cell, rows in a sheet (one is the header).
XLSX_CELL_CHARS = 32_767
XLSX_MAX_ROWS = 1_048_576
BINARY_FORMATS = ("xlsx", "parquet")


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "xlsx", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of stdout (required for xlsx and parquet).",
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
@reports_write_errors
def command(fmt, out, bom, neutralise_formulas, filters, database_url):
    """Export stored articles (columns: url, title, body, published, region, outlet, author,
    id, story)."""
    from clipper.analysis.query import iter_articles

    if fmt in BINARY_FORMATS and not out:
        raise click.UsageError(f"--format {fmt} writes a binary file: give --out FILE")
    engine = open_read_engine(database_url)
    bom = bom and fmt == "csv"
    # closing(): an export that stops early (a full disk, a sheet's row limit) ends the read
    # transaction now instead of whenever the generator is collected.
    with closing(iter_articles(engine, filters)) as records:
        count = _export(fmt, out, bom, neutralise_formulas, records)
    if out:
        click.echo(f"exported {count} articles to {out}", err=True)


def _export(fmt, out, bom, neutralise_formulas, records) -> int:
    if not out:
        return _write(_stdout(bom), fmt, records, neutralise_formulas)
    with output_path(out) as path:
        if fmt == "parquet":
            count = write_parquet(path, records)
        elif fmt == "xlsx":
            count, cut = write_xlsx(path, records)
            if cut:
                click.echo(
                    f"{cut} cells longer than {XLSX_CELL_CHARS:,} characters (Excel's limit) "
                    "were cut; csv, jsonl and parquet keep the whole text",
                    err=True,
                )
        else:
            encoding = "utf-8-sig" if bom else "utf-8"
            with open(path, "w", encoding=encoding, newline="") as stream:
                count = _write(stream, fmt, records, neutralise_formulas)
    return count


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
        if fmt == "csv":
            # KST wall time without an offset: what spreadsheets parse as a date-time.
            row["published"] = row["published"].strftime(CSV_TIME) if row["published"] else None
            if neutralise_formulas:
                row = {key: neutralise(value) for key, value in row.items()}
            writer.writerow(row)
        else:
            row["published"] = row["published"].isoformat() if row["published"] else None
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_xlsx(path: str, records: Iterable[dict]) -> tuple[int, int]:
    """Write ``records`` as one sheet, streaming (openpyxl's write-only mode); returns the
    number of rows and of cells cut to Excel's 32,767 characters."""
    from clipper.analysis.query import EXPORT_FIELDS

    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    except ImportError:
        raise click.ClickException(OPENPYXL_HINT) from None
    book = Workbook(write_only=True)
    sheet = book.create_sheet("articles")
    sheet.freeze_panes = "A2"
    sheet.append(list(EXPORT_FIELDS))
    count = cut = 0

    def cell(value):
        nonlocal cut
        if isinstance(value, str):
            # XML 1.0 cannot hold most control characters; none belongs in news text.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if len(value) > XLSX_CELL_CHARS:
                value, cut = value[: XLSX_CELL_CHARS - 1] + "…", cut + 1
            text = WriteOnlyCell(sheet, value)
            text.data_type = "s"  # a string, even when it starts with "=": never a formula
            return text
        if hasattr(value, "tzinfo"):
            stamp = WriteOnlyCell(sheet, value.replace(tzinfo=None))  # KST wall time
            stamp.number_format = "yyyy-mm-dd hh:mm:ss"
            return stamp
        return value

    too_many = False
    for row in _rows(records):
        if count + 1 >= XLSX_MAX_ROWS:
            too_many = True
            break
        sheet.append([cell(row[key]) for key in EXPORT_FIELDS])
        count += 1
    # Saved even when abandoned: openpyxl's streaming writer complains at exit otherwise.
    # The caller's temporary file is then thrown away.
    book.save(path)
    if too_many:
        raise click.ClickException(
            f"a sheet holds at most {XLSX_MAX_ROWS - 1:,} articles: narrow the export "
            "with --since/--until/--region, or use --format csv or parquet"
        )
    return count, cut


def write_parquet(path: str, records: Iterable[dict]) -> int:
    """Write ``records`` to ``path`` in batches, so memory stays flat on big exports."""
    from clipper.analysis.query import EXPORT_FIELDS

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise click.ClickException(PYARROW_HINT) from None
    types = {
        "published": pa.timestamp("us", tz="Asia/Seoul"),
        "id": pa.int64(),
        "story": pa.int64(),
    }
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
