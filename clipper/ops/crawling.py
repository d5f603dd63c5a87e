"""Running crawls from Python: the project settings, one crawl per process, and closing a
crawl from inside a component."""

from __future__ import annotations

import os

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.project import get_project_settings


def project_settings(overrides: dict | None = None) -> Settings:
    """clipper's settings wherever the command runs from (no scrapy.cfg needed)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "clipper.settings")
    settings = get_project_settings()
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def close_crawl(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the running spider with ``reason`` (idempotent)."""
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


class CrawlResult:
    """What one spider's crawl did, from its stats."""

    def __init__(self, spider: str, stats: dict, error: str | None = None):
        self.spider = spider
        self.stats = stats
        self.error = error

    @property
    def finish_reason(self) -> str:
        return self.stats.get("finish_reason", "not run")

    @property
    def failure_class(self) -> str | None:
        from clipper.ops.health import classify

        if self.error:
            return "start_error"
        return self.stats.get("clipper/health/failure_class") or classify(
            self.stats, self.finish_reason
        )

    @property
    def ok(self) -> bool:
        return self.failure_class is None

    def summary_line(self) -> str:
        if self.error:
            return f"{self.spider}: failed: {self.error}"
        from clipper.extensions.runlog import summarize

        s = summarize(self.stats)
        drops = s["items_dropped"]
        status = "ok" if self.ok else f"failed ({self.failure_class})"
        return (
            f"{self.spider}: {status}: {s['pages_fetched']} pages, {s['items_scraped']} items, "
            f"{s['articles_new']} new, {s['articles_updated']} updated, {drops} dropped"
        )


def run_crawls(jobs: list[tuple[str, dict]], overrides: dict | None = None) -> list[CrawlResult]:
    """Run spiders one after another in this process (the reactor starts once) and return
    one result per job. A spider that fails to start is reported, the others still run."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader
    from twisted.internet import defer

    settings = project_settings(overrides)
    loader = SpiderLoader.from_settings(settings)
    process = CrawlerProcess(settings)
    results: list[CrawlResult] = []

    @defer.inlineCallbacks
    def crawl_all():
        for name, args in jobs:
            try:
                spidercls = loader.load(name)
            except KeyError:
                known = ", ".join(sorted(loader.list()))
                results.append(CrawlResult(name, {}, f"no spider named {name!r} (known: {known})"))
                continue
            crawler = process.create_crawler(spidercls)
            try:
                yield process.crawl(crawler, **args)
            except Exception as exc:  # a bad -a argument raises in the spider's __init__
                results.append(CrawlResult(name, {}, str(exc)))
                continue
            results.append(CrawlResult(name, crawler.stats.get_stats()))

    def stop_reactor(result):
        from twisted.internet import reactor  # the one CrawlerProcess installed

        if reactor.running:
            reactor.stop()
        return result

    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    # The reactor Scrapy's settings ask for, installed before anything imports the default.
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    from twisted.internet import reactor

    # Start only once the reactor runs: a job list that fails at once (an unknown spider,
    # a bad argument) would otherwise try to stop a reactor that has not started yet.
    reactor.callWhenRunning(lambda: crawl_all().addBoth(stop_reactor))
    process.start(stop_after_crawl=False)
    return results
