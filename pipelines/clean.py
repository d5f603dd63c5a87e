"""Clean text: whitespace in every text field; the board's trailer notes and junk lines.

Runs first. Assumes nothing; leaves plain text with paragraphs separated by a blank line.
The title's and body's cleaning is the ``clean`` step of :mod:`clipper.text.prepare`; the
body's may have been done ahead, in the extraction worker.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.paragraphs import normalize_whitespace
from clipper.text.prepare import clean_body, clean_title
from pipelines.base import Stage

# Whitespace-normalised as they are; the title and the body have their own functions.
TEXT_FIELDS = ("published_raw", "outlet_raw", "region_tag", "author")


class CleanTextPipeline(Stage):
    stage = "clean"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for field in TEXT_FIELDS:
            value = adapter.get(field)
            if value:
                adapter[field] = normalize_whitespace(value)
        adapter["title"] = clean_title(adapter.get("title", ""))
        body, removed = self.step(adapter, clean_body, adapter.get("body") or "")
        adapter["body"] = body
        self.count("body", "trailer_removed", removed)
        return item
