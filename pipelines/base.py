"""What every stage shares: the crawler's settings and a namespaced stats counter."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler


class Stage:
    """Base for clipper's pipeline stages: ``from_crawler`` plus ``count``."""

    #: the stats namespace, ``clipper/<stage>/…``
    stage = ""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def count(self, field: str, outcome: str, n: int = 1) -> None:
        if n:
            self.stats.inc_value(f"clipper/{self.stage}/{field}/{outcome}", n)
