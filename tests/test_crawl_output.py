"""``clipper crawl -o FILE`` (issue 17): a second run replaces the file, and it holds only the
public fields of the items, never internals such as the MinHash signature."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_end_to_end import crawl_board

from clipper.commands.crawl import FEED_FIELDS


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_crawl_output_is_replaced_and_public(mirror, tmp_path, suffix):
    database_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    out = tmp_path / f"items.{suffix}"
    runs = []
    for _ in range(2):
        crawl_board(mirror, database_url, "--dry-run", "-a", "max_pages=1", "-o", str(out))
        text = out.read_text("utf-8")
        if suffix == "csv":
            header, *rest = text.splitlines()
            assert header == ",".join(FEED_FIELDS)
            assert header not in rest  # no second header in the middle
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        else:
            rows = [json.loads(line) for line in text.splitlines()]
        assert rows
        for row in rows:
            assert set(row) <= set(FEED_FIELDS)
            assert {"url", "title"} <= set(row)
            assert all(len(str(v)) < 20_000 for v in row.values())
        runs.append(sorted(r["url"] for r in rows))
    assert runs[0] == runs[1]  # the same items once, not twice
