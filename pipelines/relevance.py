"""Relevance: is the story about small libraries? Keeps the matched terms on the item.

Off-topic items are dropped with a reason, unless ``CLIPPER_KEEP_OFFTOPIC`` is on or the
spider is ``curated`` (a hand-picked source such as the small-library board, whose short
excerpts may not repeat the term). Terms: ``CLIPPER_RELEVANCE_TERMS`` (default: the list in
``clipper.text.relevance``). Assumes the body was cleaned.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from clipper.text.relevance import DEFAULT_TERMS, is_relevant
from pipelines.base import Stage
from pipelines.errors import OffTopic


class RelevancePipeline(Stage):
    stage = "relevance"

    def __init__(self, crawler):
        super().__init__(crawler)
        self.terms = tuple(self.settings.getlist("CLIPPER_RELEVANCE_TERMS") or DEFAULT_TERMS)
        self.keep_offtopic = self.settings.getbool("CLIPPER_KEEP_OFFTOPIC")

    def process_item(self, item):
        adapter = ItemAdapter(item)
        relevant, terms = is_relevant(
            adapter.get("title") or "", adapter.get("body") or "", self.terms
        )
        adapter["matched_terms"] = terms
        if relevant:
            self.count("terms", "matched")
            return item
        spider = self.crawler.spider
        if self.keep_offtopic or getattr(spider, "curated", False):
            self.count("terms", "unmatched_kept")
            return item
        self.count("terms", "offtopic_dropped")
        raise OffTopic(f"no small-library term in {adapter.get('url')}")
