"""Clean text: whitespace in every text field; the board's trailer notes and junk lines.

Runs first. Assumes nothing; leaves plain text with paragraphs separated by a blank line.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text import normalize_whitespace, strip_board_trailers
from pipelines.base import Stage

TEXT_FIELDS = ("title", "body", "published_raw", "outlet_raw", "region_tag", "author")


class CleanTextPipeline(Stage):
    stage = "clean"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for field in TEXT_FIELDS:
            value = adapter.get(field)
            if value:
                adapter[field] = normalize_whitespace(value)
        # A title is one line whatever the page did with it.
        adapter["title"] = " ".join(adapter.get("title", "").split())
        body, removed = strip_board_trailers(adapter.get("body", ""))
        adapter["body"] = body
        self.count("body", "trailer_removed", removed)
        return item
