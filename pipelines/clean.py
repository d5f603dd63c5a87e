"""Clean text: whitespace in every text field; the board's trailer notes and junk lines.

Runs first. Assumes nothing; leaves plain text with paragraphs separated by a blank line.
The body's cleaning (:func:`clean_body`) may have been done ahead, in the extraction worker
(``pipelines.prepare``).
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.paragraphs import normalize_whitespace, strip_board_trailers
from pipelines.base import Stage, done_ahead

# Whitespace-normalised as they are; the title and the body have their own functions.
TEXT_FIELDS = ("published_raw", "outlet_raw", "region_tag", "author")


def clean_title(title: str) -> str:
    """A title is one line whatever the page did with it."""
    return " ".join(normalize_whitespace(title).split())


def clean_body(body: str) -> tuple[str, int]:
    """The body with whitespace normalised and trailer notes and junk lines removed, and the
    number of removed lines or notes."""
    return strip_board_trailers(normalize_whitespace(body))


class CleanTextPipeline(Stage):
    stage = "clean"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        for field in TEXT_FIELDS:
            value = adapter.get(field)
            if value:
                adapter[field] = normalize_whitespace(value)
        adapter["title"] = clean_title(adapter.get("title", ""))
        body, removed = done_ahead(adapter, self.stage, clean_body, adapter.get("body") or "")
        adapter["body"] = body
        self.count("body", "trailer_removed", removed)
        return item
