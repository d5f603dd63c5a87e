"""A one-line progress display (pages, items, drops, errors) for people at a terminal.

On by default only when stderr is a terminal (``CLIPPER_PROGRESS``: ``auto``, ``on``,
``off``); cron and CI get quiet logs and the closing summary instead.
"""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressExtension:
    INTERVAL = 1.0

    def __init__(self, crawler, stream=None):
        mode = str(crawler.settings.get("CLIPPER_PROGRESS", "auto")).lower()
        self.stream = stream or sys.stderr
        if mode == "off" or (mode == "auto" and not self.stream.isatty()):
            raise NotConfigured  # (no message: Scrapy would log it as a warning)
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def line(self) -> str:
        stats = self.crawler.stats
        return (
            f"{self.crawler.spider.name}: {stats.get_value('response_received_count', 0)} pages, "
            f"{stats.get_value('item_scraped_count', 0)} items, "
            f"{stats.get_value('item_dropped_count', 0)} dropped, "
            f"{stats.get_value('log_count/ERROR', 0)} errors"
        )

    def show(self) -> None:
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()

    def spider_opened(self, spider):
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.INTERVAL, now=True)

    def spider_closed(self, spider, reason):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.show()
        self.stream.write("\n")
