"""Parse the publication date: ``published_raw`` → an aware ``published`` (KST unless the
string says otherwise), anchored to the fetch time for relative forms such as ``3시간 전``.

An unparseable string leaves ``published`` empty and keeps the raw string; never a guess.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.dates import parse_date
from pipelines.base import Stage


class PublishedDatePipeline(Stage):
    stage = "dates"

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("published") is not None:
            self.count("published", "given")
            return item
        raw = adapter.get("published_raw") or ""
        if not raw:
            self.count("published", "missing")
            return item
        parsed = parse_date(raw, now=adapter.get("fetched_at"))
        adapter["published"] = parsed
        self.count("published", "parsed" if parsed else "unparseable")
        return item
