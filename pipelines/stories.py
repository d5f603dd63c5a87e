"""Story signatures: the MinHash signature of each article, for grouping syndicated copies
into stories (``clipper.store.stories``).

The CPU work happens here, per item: the ``stories`` step of :mod:`clipper.text.prepare`,
whose signature goes to ``item.extra["minhash"]`` (a JSON-safe dict tagged with the
signature scheme). The database work happens in the store's
transaction: ``story_hook(crawler)`` gives the ``ArticleStore`` hook that puts every new or
changed article in a story. Assumes the text was cleaned (``pipelines.clean``,
``pipelines.boilerplate``, ``pipelines.repeats``); the signature normalises again anyway,
so it also works on raw text. The signature may have been computed ahead, in the extraction
worker; this is the last text step, so the stage drops what the item carried of that work.

Settings: ``CLIPPER_STORY_THRESHOLD`` (similarity cut, default 0.7),
``CLIPPER_STORY_WINDOW_DAYS`` (max days between two copies, default 7),
``CLIPPER_STORY_INDEX_DAYS`` (days kept in the band index, default 30; 0 keeps all).
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from clipper.store.stories import StoryConfig, StoryIndex
from clipper.text.prepare import signature_json
from pipelines.base import PREPARED_FIELD, Stage, StatsT, done_ahead

STAGE = "stories"


def sign_item(item, stats: StatsT = None) -> bool:
    """Put the signature in ``extra["minhash"]``; False when the text is empty."""
    adapter = ItemAdapter(item)
    title, body = adapter.get("title") or "", adapter.get("body") or ""
    sig = done_ahead(adapter, STAGE, signature_json, title, body, stats=stats)
    extra = adapter.get("extra")
    if not isinstance(extra, dict):
        extra = {}
        adapter["extra"] = extra
    extra["minhash"] = sig
    if adapter.get(PREPARED_FIELD) is not None:
        # The later stages and the store have no use for it (and the store copies the item).
        adapter[PREPARED_FIELD] = None
    return sig["n"] > 0


def story_hook(crawler: Crawler):
    """The ``ArticleStore`` hook for this crawl, counting ``clipper/stories/articles/*``."""

    def count(outcome: str, n: int) -> None:
        if n:
            crawler.stats.inc_value(f"clipper/stories/articles/{outcome}", n)

    return StoryIndex(StoryConfig.from_settings(crawler.settings), count=count).assign


class StorySignaturePipeline(Stage):
    stage = STAGE

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        # Refuse bad story settings when the crawl opens, not at its first store batch.
        StoryConfig.from_settings(self.settings)

    def store_hook(self):
        """The store hook for this crawl (same as ``story_hook(crawler)``)."""
        return story_hook(self.crawler)

    def process_item(self, item):
        signed = sign_item(item, self.stats)
        self.count("signature", "computed" if signed else "empty_text")
        return item
